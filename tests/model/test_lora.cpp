#include <gtest/gtest.h>
// (being written)
