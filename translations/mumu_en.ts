<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>mumu::AssetStore</name>
    <message>
        <source>&apos;%1&apos;: no such file</source>
        <translation>&apos;%1&apos;: no such file</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a file</source>
        <translation>&apos;%1&apos; is not a file</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is empty (0 bytes): not an image</source>
        <translation>&apos;%1&apos; is empty (0 bytes): not an image</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is too large for a reference image (%2 MiB)</source>
        <translation>&apos;%1&apos; is too large for a reference image (%2 MiB)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read: %2</source>
        <translation>&apos;%1&apos; cannot be read: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read completely: %2</source>
        <translation>&apos;%1&apos; cannot be read completely: %2</translation>
    </message>
    <message>
        <source>The pasted image is empty</source>
        <translation>The pasted image is empty</translation>
    </message>
    <message>
        <source>The pasted image could not be encoded as PNG</source>
        <translation>The pasted image could not be encoded as PNG</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>pasted image</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an image MUMU Studio can read (%2)</source>
        <translation>&apos;%1&apos; is not an image MUMU Studio can read (%2)</translation>
    </message>
    <message>
        <source>Cannot create the asset folder &apos;%1&apos;</source>
        <translation>Cannot create the asset folder &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Cannot store &apos;%1&apos; as &apos;%2&apos;: %3</source>
        <translation>Cannot store &apos;%1&apos; as &apos;%2&apos;: %3</translation>
    </message>
    <message>
        <source>Cannot store &apos;%1&apos; as &apos;%2&apos; (is the disk full?): %3</source>
        <translation>Cannot store &apos;%1&apos; as &apos;%2&apos; (is the disk full?): %3</translation>
    </message>
</context>
<context>
    <name>mumu::AttentionMapReader</name>
    <message>
        <source>no attention record file given</source>
        <translation>no attention record file given</translation>
    </message>
    <message>
        <source>no such file (this image has no attention record)</source>
        <translation>no such file (this image has no attention record)</translation>
    </message>
    <message>
        <source>not a regular file</source>
        <translation>not a regular file</translation>
    </message>
    <message>
        <source>no tensor &apos;attention&apos; in the file</source>
        <translation>no tensor &apos;attention&apos; in the file</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; is %1, expected F32</source>
        <translation>tensor &apos;attention&apos; is %1, expected F32</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; has rank %1, expected 3 [segments, height, width]</source>
        <translation>tensor &apos;attention&apos; has rank %1, expected 3 [segments, height, width]</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; has an empty shape [%1, %2, %3]</source>
        <translation>tensor &apos;attention&apos; has an empty shape [%1, %2, %3]</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; shape [%1, %2, %3] is implausibly large</source>
        <translation>tensor &apos;attention&apos; shape [%1, %2, %3] is implausibly large</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; does not hold %1 float32 values</source>
        <translation>tensor &apos;attention&apos; does not hold %1 float32 values</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; holds a non-finite value at element %1</source>
        <translation>tensor &apos;attention&apos; holds a non-finite value at element %1</translation>
    </message>
</context>
<context>
    <name>mumu::ChipEditor</name>
    <message>
        <source>Reference image — %1</source>
        <translation>Reference image — %1</translation>
    </message>
    <message>
        <source>Drag on the image to draw a crop box; click once to use the whole image.</source>
        <translation>Drag on the image to draw a crop box; click once to use the whole image.</translation>
    </message>
    <message>
        <source>How strongly the image steers the generation: 1 = normal, 0 = ignored.</source>
        <translation>How strongly the image steers the generation: 1 = normal, 0 = ignored.</translation>
    </message>
    <message>
        <source>A note for yourself (kept in the recipe)</source>
        <translation>A note for yourself (kept in the recipe)</translation>
    </message>
    <message>
        <source>Whole image</source>
        <translation>Whole image</translation>
    </message>
    <message>
        <source>Weight:</source>
        <translation>Weight:</translation>
    </message>
    <message>
        <source>Crop:</source>
        <translation>Crop:</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>Note:</translation>
    </message>
    <message>
        <source>The image %1 cannot be read; the crop box cannot be drawn.</source>
        <translation>The image %1 cannot be read; the crop box cannot be drawn.</translation>
    </message>
    <message>
        <source>whole image</source>
        <translation>whole image</translation>
    </message>
    <message>
        <source>x %1, y %2, %3 × %4 px</source>
        <translation>x %1, y %2, %3 × %4 px</translation>
    </message>
</context>
<context>
    <name>mumu::CompareView</name>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>Negative prompt</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <source>Schedule type</source>
        <translation>Schedule type</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Steps</translation>
    </message>
    <message>
        <source>CFG scale</source>
        <translation>CFG scale</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Batch</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Model hash</source>
        <translation>Model hash</translation>
    </message>
    <message>
        <source>RNG</source>
        <translation>RNG</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>Precision</translation>
    </message>
    <message>
        <source>MUMU version</source>
        <translation>MUMU version</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>no recipe</source>
        <translation>no recipe</translation>
    </message>
    <message>
        <source>Recipe A: %1</source>
        <translation>Recipe A: %1</translation>
    </message>
    <message>
        <source>Recipe B: %1</source>
        <translation>Recipe B: %1</translation>
    </message>
    <message>
        <source>Zoom out both images (-, mouse wheel)</source>
        <translation>Zoom out both images (-, mouse wheel)</translation>
    </message>
    <message>
        <source>Zoom in both images (+, mouse wheel)</source>
        <translation>Zoom in both images (+, mouse wheel)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Fit</translation>
    </message>
    <message>
        <source>Fit both images to their windows (0)</source>
        <translation>Fit both images to their windows (0)</translation>
    </message>
    <message>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <source>Actual size (1)</source>
        <translation>Actual size (1)</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Choose two generations to compare.</source>
        <translation>Choose two generations to compare.</translation>
    </message>
    <message>
        <source>The recipes are identical.</source>
        <translation>The recipes are identical.</translation>
    </message>
    <message>
        <source>Fields that differ (highlighted): %1</source>
        <translation>Fields that differ (highlighted): %1</translation>
    </message>
</context>
<context>
    <name>mumu::CropView</name>
    <message>
        <source>The image cannot be read.</source>
        <translation>The image cannot be read.</translation>
    </message>
</context>
<context>
    <name>mumu::GalleryModel</name>
    <message>
        <source>%1
%2 · %3 · seed %4 · %5×%6</source>
        <translation>%1
%2 · %3 · seed %4 · %5×%6</translation>
    </message>
</context>
<context>
    <name>mumu::GalleryView</name>
    <message numerus="yes">
        <source>Delete %n image(s)</source>
        <translation>
            <numerusform>Delete %n image(s)</numerusform>
            <numerusform>Delete %n image(s)</numerusform>
        </translation>
    </message>
    <message>
        <source>New board</source>
        <translation>New board</translation>
    </message>
    <message>
        <source>Name of the new board:</source>
        <translation>Name of the new board:</translation>
    </message>
    <message>
        <source>Search prompts…</source>
        <translation>Search prompts…</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>Newest first</translation>
    </message>
    <message>
        <source>Oldest first</source>
        <translation>Oldest first</translation>
    </message>
    <message>
        <source>Highest rated</source>
        <translation>Highest rated</translation>
    </message>
    <message>
        <source>Best match</source>
        <translation>Best match</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Any time</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Last 30 days</translation>
    </message>
    <message>
        <source>Dates…</source>
        <translation>Dates…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>From</translation>
    </message>
    <message>
        <source>To</source>
        <translation>To</translation>
    </message>
    <message>
        <source>★ Starred</source>
        <translation>★ Starred</translation>
    </message>
    <message>
        <source>Show only starred images</source>
        <translation>Show only starred images</translation>
    </message>
    <message>
        <source>Any rating</source>
        <translation>Any rating</translation>
    </message>
    <message>
        <source>%1 or more</source>
        <translation>%1 or more</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>All models</translation>
    </message>
    <message>
        <source>All samplers</source>
        <translation>All samplers</translation>
    </message>
    <message>
        <source>All boards</source>
        <translation>All boards</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Reuse</translation>
    </message>
    <message>
        <source>Put this recipe (text and reference images) back into the composer</source>
        <translation>Put this recipe (text and reference images) back into the composer</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Compare</translation>
    </message>
    <message>
        <source>Compare the two selected images side by side</source>
        <translation>Compare the two selected images side by side</translation>
    </message>
    <message>
        <source>Open Image…</source>
        <translation>Open Image…</translation>
    </message>
    <message>
        <source>Recover the recipe of a PNG (MUMU Studio&apos;s, or another tool&apos;s A1111 text)</source>
        <translation>Recover the recipe of a PNG (MUMU Studio&apos;s, or another tool&apos;s A1111 text)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Star / Unstar</source>
        <translation>Star / Unstar</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>New Board…</source>
        <translation>New Board…</translation>
    </message>
    <message>
        <source>No rating</source>
        <translation>No rating</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n image(s)</numerusform>
            <numerusform>%n image(s)</numerusform>
        </translation>
    </message>
    <message>
        <source>Select an image to see its recipe.</source>
        <translation>Select an image to see its recipe.</translation>
    </message>
    <message numerus="yes">
        <source>%n images selected</source>
        <translation>
            <numerusform>%n images selected</numerusform>
            <numerusform>%n images selected</numerusform>
        </translation>
    </message>
    <message>
        <source>missing image %1</source>
        <translation>missing image %1</translation>
    </message>
    <message>
        <source>Negative:</source>
        <translation>Negative:</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Steps</translation>
    </message>
    <message>
        <source>CFG</source>
        <translation>CFG</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>This recipe cannot be read: %1</source>
        <translation>This recipe cannot be read: %1</translation>
    </message>
    <message>
        <source>The image file is missing or unreadable.</source>
        <translation>The image file is missing or unreadable.</translation>
    </message>
    <message>
        <source>Export images to</source>
        <translation>Export images to</translation>
    </message>
    <message>
        <source>Exported %1 of %2 images. %3</source>
        <translation>Exported %1 of %2 images. %3</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n image(s) to %1</source>
        <translation>
            <numerusform>Exported %n image(s) to %1</numerusform>
            <numerusform>Exported %n image(s) to %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>Open Image</translation>
    </message>
    <message>
        <source>PNG images (*.png);;All files (*)</source>
        <translation>PNG images (*.png);;All files (*)</translation>
    </message>
    <message>
        <source>Opened: %1</source>
        <translation>Opened: %1</translation>
    </message>
    <message>
        <source>Recipe recovered from %1</source>
        <translation>Recipe recovered from %1</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>Rating</translation>
    </message>
    <message>
        <source>Add to Board</source>
        <translation>Add to Board</translation>
    </message>
    <message>
        <source>Remove from This Board</source>
        <translation>Remove from This Board</translation>
    </message>
    <message>
        <source>Star</source>
        <translation>Star</translation>
    </message>
    <message>
        <source>Unstar</source>
        <translation>Unstar</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>Rate</translation>
    </message>
</context>
<context>
    <name>mumu::GenerationQueue</name>
    <message>
        <source>Unknown error</source>
        <translation>Unknown error</translation>
    </message>
    <message>
        <source>Could not save the image: %1</source>
        <translation>Could not save the image: %1</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Paused</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>Step %1 of %2</source>
        <translation>Step %1 of %2</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>Loading model…</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Failed: %1</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>[image]</source>
        <translation>[image]</translation>
    </message>
    <message>
        <source>Model %1 is not available</source>
        <translation>Model %1 is not available</translation>
    </message>
</context>
<context>
    <name>mumu::GenerationSettings</name>
    <message>
        <source>Automatic (GPU when present)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mumu::HistoryDb</name>
    <message>
        <source>the history database &apos;%1&apos; is locked by another program (is another MUMU Studio running?). Close it and try again; nothing was changed.</source>
        <translation>the history database &apos;%1&apos; is locked by another program (is another MUMU Studio running?). Close it and try again; nothing was changed.</translation>
    </message>
    <message>
        <source>the history database &apos;%1&apos; is read-only, so the change was not saved. Check the permissions of the file and its folder.</source>
        <translation>the history database &apos;%1&apos; is read-only, so the change was not saved. Check the permissions of the file and its folder.</translation>
    </message>
    <message>
        <source>the disk holding &apos;%1&apos; is full, so the change was not saved. Free some space and try again.</source>
        <translation>the disk holding &apos;%1&apos; is full, so the change was not saved. Free some space and try again.</translation>
    </message>
    <message>
        <source>the history database &apos;%1&apos; is damaged (%2). MUMU Studio will not write to it; copy it somewhere safe before trying to repair it.</source>
        <translation>the history database &apos;%1&apos; is damaged (%2). MUMU Studio will not write to it; copy it somewhere safe before trying to repair it.</translation>
    </message>
    <message>
        <source>a disk error occurred on &apos;%1&apos; (%2); the change was not saved.</source>
        <translation>a disk error occurred on &apos;%1&apos; (%2); the change was not saved.</translation>
    </message>
    <message>
        <source>the history database &apos;%1&apos; cannot be opened (%2).</source>
        <translation>the history database &apos;%1&apos; cannot be opened (%2).</translation>
    </message>
    <message>
        <source>Cannot create the folder &apos;%1&apos; for the history database.</source>
        <translation>Cannot create the folder &apos;%1&apos; for the history database.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a file, so it cannot hold the history.</source>
        <translation>&apos;%1&apos; is not a file, so it cannot hold the history.</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; cannot be read: %2</source>
        <translation>The history database &apos;%1&apos; cannot be read: %2</translation>
    </message>
    <message>
        <source>It was left untouched. Move it away (or restore a backup) to start a new history.</source>
        <translation>It was left untouched. Move it away (or restore a backup) to start a new history.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a MUMU Studio history database (it is not an SQLite file). %2</source>
        <translation>&apos;%1&apos; is not a MUMU Studio history database (it is not an SQLite file). %2</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; is damaged (bad page size in its header). %2</source>
        <translation>The history database &apos;%1&apos; is damaged (bad page size in its header). %2</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; is damaged: it is truncated (%2 of %3 bytes). %4</source>
        <translation>The history database &apos;%1&apos; is damaged: it is truncated (%2 of %3 bytes). %4</translation>
    </message>
    <message>
        <source>Cannot open the history</source>
        <translation>Cannot open the history</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; was written by a newer MUMU Studio (schema version %2; this version reads up to %3). It was left untouched; update MUMU Studio to open it.</source>
        <translation>The history database &apos;%1&apos; was written by a newer MUMU Studio (schema version %2; this version reads up to %3). It was left untouched; update MUMU Studio to open it.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is an SQLite database but not a MUMU Studio history (it holds other tables). It was left untouched; choose another file.</source>
        <translation>&apos;%1&apos; is an SQLite database but not a MUMU Studio history (it holds other tables). It was left untouched; choose another file.</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; is damaged: its table of generations is missing. It was left untouched.</source>
        <translation>The history database &apos;%1&apos; is damaged: its table of generations is missing. It was left untouched.</translation>
    </message>
    <message>
        <source>Cannot prepare the history for its upgrade</source>
        <translation>Cannot prepare the history for its upgrade</translation>
    </message>
    <message>
        <source>Cannot back up the history database &apos;%1&apos; before upgrading it (is the disk full?); it was left unchanged.</source>
        <translation>Cannot back up the history database &apos;%1&apos; before upgrading it (is the disk full?); it was left unchanged.</translation>
    </message>
    <message>
        <source>Internal error: history migration to version %1 follows version %2.</source>
        <translation>Internal error: history migration to version %1 follows version %2.</translation>
    </message>
    <message>
        <source>Cannot upgrade the history database to version %1 (%2); it was left at version %3</source>
        <translation>Cannot upgrade the history database to version %1 (%2); it was left at version %3</translation>
    </message>
    <message>
        <source>Cannot rename &apos;%1&apos; to &apos;%2&apos;.</source>
        <translation>Cannot rename &apos;%1&apos; to &apos;%2&apos;.</translation>
    </message>
    <message>
        <source>Cannot add &apos;%1&apos; to the history: %2</source>
        <translation>Cannot add &apos;%1&apos; to the history: %2</translation>
    </message>
    <message>
        <source>Cannot add &apos;%1&apos; to the history</source>
        <translation>Cannot add &apos;%1&apos; to the history</translation>
    </message>
    <message>
        <source>Cannot add %1 images to the history</source>
        <translation>Cannot add %1 images to the history</translation>
    </message>
    <message>
        <source>the history is not open</source>
        <translation>the history is not open</translation>
    </message>
    <message>
        <source>The history is not open</source>
        <translation>The history is not open</translation>
    </message>
    <message>
        <source>Cannot read the history</source>
        <translation>Cannot read the history</translation>
    </message>
    <message>
        <source>No generation %1 in the history</source>
        <translation>No generation %1 in the history</translation>
    </message>
    <message>
        <source>Cannot search the history</source>
        <translation>Cannot search the history</translation>
    </message>
    <message>
        <source>Cannot change the star</source>
        <translation>Cannot change the star</translation>
    </message>
    <message>
        <source>Cannot change the rating</source>
        <translation>Cannot change the rating</translation>
    </message>
    <message>
        <source>a rating is 0 to 5 stars, not %1</source>
        <translation>a rating is 0 to 5 stars, not %1</translation>
    </message>
    <message>
        <source>Cannot record the thumbnail</source>
        <translation>Cannot record the thumbnail</translation>
    </message>
    <message>
        <source>Cannot delete from the history</source>
        <translation>Cannot delete from the history</translation>
    </message>
    <message>
        <source>nothing is selected</source>
        <translation>nothing is selected</translation>
    </message>
    <message>
        <source>Cannot restore the deleted images</source>
        <translation>Cannot restore the deleted images</translation>
    </message>
    <message>
        <source>Cannot empty the trash</source>
        <translation>Cannot empty the trash</translation>
    </message>
    <message>
        <source>Cannot create the board &apos;%1&apos;</source>
        <translation>Cannot create the board &apos;%1&apos;</translation>
    </message>
    <message>
        <source>A board needs a name.</source>
        <translation>A board needs a name.</translation>
    </message>
    <message>
        <source>A board named &apos;%1&apos; already exists.</source>
        <translation>A board named &apos;%1&apos; already exists.</translation>
    </message>
    <message>
        <source>Cannot rename the board</source>
        <translation>Cannot rename the board</translation>
    </message>
    <message>
        <source>No board %1</source>
        <translation>No board %1</translation>
    </message>
    <message>
        <source>Cannot delete the board</source>
        <translation>Cannot delete the board</translation>
    </message>
    <message>
        <source>Cannot read the boards</source>
        <translation>Cannot read the boards</translation>
    </message>
    <message>
        <source>Cannot add to the board</source>
        <translation>Cannot add to the board</translation>
    </message>
    <message>
        <source>Cannot remove from the board</source>
        <translation>Cannot remove from the board</translation>
    </message>
    <message>
        <source>Cannot export to &apos;%1&apos;</source>
        <translation>Cannot export to &apos;%1&apos;</translation>
    </message>
    <message>
        <source>the folder cannot be created</source>
        <translation>the folder cannot be created</translation>
    </message>
    <message>
        <source>the image &apos;%1&apos; no longer exists</source>
        <translation>the image &apos;%1&apos; no longer exists</translation>
    </message>
    <message>
        <source>copying &apos;%1&apos; failed (is the disk full?)</source>
        <translation>copying &apos;%1&apos; failed (is the disk full?)</translation>
    </message>
</context>
<context>
    <name>mumu::ImageViewer</name>
    <message>
        <source>missing</source>
        <translation>missing</translation>
    </message>
    <message>
        <source>Reference image not found: %1</source>
        <translation>Reference image not found: %1</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>Note: %1</translation>
    </message>
    <message>
        <source>No heat map for this segment.</source>
        <translation>No heat map for this segment.</translation>
    </message>
    <message>
        <source>Zoom out (-, mouse wheel)</source>
        <translation>Zoom out (-, mouse wheel)</translation>
    </message>
    <message>
        <source>Zoom in (+, mouse wheel)</source>
        <translation>Zoom in (+, mouse wheel)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Fit</translation>
    </message>
    <message>
        <source>Fit the image to the window (0)</source>
        <translation>Fit the image to the window (0)</translation>
    </message>
    <message>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <source>Actual size: one image pixel per screen pixel (1)</source>
        <translation>Actual size: one image pixel per screen pixel (1)</translation>
    </message>
    <message>
        <source>Heat map opacity</source>
        <translation>Heat map opacity</translation>
    </message>
    <message>
        <source>Opacity of the attention heat map over the image</source>
        <translation>Opacity of the attention heat map over the image</translation>
    </message>
    <message>
        <source>Attention inspector</source>
        <translation>Attention inspector</translation>
    </message>
    <message>
        <source>No recipe: nothing to inspect.</source>
        <translation>No recipe: nothing to inspect.</translation>
    </message>
    <message>
        <source>No attention record for this image.</source>
        <translation>No attention record for this image.</translation>
    </message>
    <message>
        <source>No heat maps: %1</source>
        <translation>No heat maps: %1</translation>
    </message>
    <message>
        <source>The attention record has %1 segments but the recipe has %2; heat maps are shown for the first %3.</source>
        <translation>The attention record has %1 segments but the recipe has %2; heat maps are shown for the first %3.</translation>
    </message>
    <message>
        <source>Hover a phrase or reference image to see the region of the image it drove.</source>
        <translation>Hover a phrase or reference image to see the region of the image it drove.</translation>
    </message>
</context>
<context>
    <name>mumu::MainWindow</name>
    <message>
        <source>Open Image</source>
        <translation>Open Image</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>The %1 translation could not be loaded.</source>
        <translation>The %1 translation could not be loaded.</translation>
    </message>
    <message>
        <source>MUMU Studio</source>
        <translation>MUMU Studio</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Training</translation>
    </message>
    <message>
        <source>Bootstrap data sets from captioned images and train MUMU models.</source>
        <translation>Bootstrap data sets from captioned images and train MUMU models.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Open Image…</source>
        <translation>&amp;Open Image…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Edit</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Undo</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Redo</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Language</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;About MUMU Studio</source>
        <translation>&amp;About MUMU Studio</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>About &amp;Qt</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>About MUMU Studio</source>
        <translation>About MUMU Studio</translation>
    </message>
    <message>
        <source>&lt;h3&gt;MUMU Studio %1&lt;/h3&gt;&lt;p&gt;Image generation from prompts that mix text and reference images (MUMU, arXiv 2406.18790).&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MUMU Studio %1&lt;/h3&gt;&lt;p&gt;Image generation from prompts that mix text and reference images (MUMU, arXiv 2406.18790).&lt;/p&gt;</translation>
    </message>
    <message>
        <source>libtorch %1 · Qt %2 · OpenImageIO %3&lt;br&gt;Compute: %4, %5 threads</source>
        <translation>libtorch %1 · Qt %2 · OpenImageIO %3&lt;br&gt;Compute: %4, %5 threads</translation>
    </message>
    <message>
        <source>CUDA (%1 devices)</source>
        <translation>CUDA (%1 devices)</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Reuse</translation>
    </message>
    <message>
        <source>This recipe cannot be reused: %1</source>
        <translation>This recipe cannot be reused: %1</translation>
    </message>
    <message>
        <source>Recovered the prompt and settings of %1 (no reference images in it)</source>
        <translation>Recovered the prompt and settings of %1 (no reference images in it)</translation>
    </message>
    <message>
        <source>Recovered the recipe of %1</source>
        <translation>Recovered the recipe of %1</translation>
    </message>
    <message>
        <source>The history database could not be opened:
%1

Set it aside (it is renamed and kept) and start a new history?</source>
        <translation>The history database could not be opened:
%1

Set it aside (it is renamed and kept) and start a new history?</translation>
    </message>
    <message>
        <source>Still no history: %1</source>
        <translation>Still no history: %1</translation>
    </message>
    <message>
        <source>Generation failed: %1</source>
        <translation>Generation failed: %1</translation>
    </message>
    <message>
        <source>Write a prompt or drop a reference image first.</source>
        <translation>Write a prompt or drop a reference image first.</translation>
    </message>
    <message>
        <source>Queued.</source>
        <translation>Queued.</translation>
    </message>
    <message>
        <source>Saved %1, but not added to the history: %2</source>
        <translation>Saved %1, but not added to the history: %2</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Generate</translation>
    </message>
    <message>
        <source>Add this prompt to the queue (Ctrl+Return)</source>
        <translation>Add this prompt to the queue (Ctrl+Return)</translation>
    </message>
    <message>
        <source>Viewer</source>
        <translation>Viewer</translation>
    </message>
    <message>
        <source>The image was made on %1, which this machine lacks: it runs on the CPU and the pixels will not match bit for bit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mumu::ModelRegistry</name>
    <message>
        <source>No mumu.json in %1</source>
        <translation>No mumu.json in %1</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>The nano model is not installed (looked in: %1)</source>
        <translation>The nano model is not installed (looked in: %1)</translation>
    </message>
    <message>
        <source>SDXL checkpoint not found: %1</source>
        <translation>SDXL checkpoint not found: %1</translation>
    </message>
    <message>
        <source>Idefics2 folder not found: %1</source>
        <translation>Idefics2 folder not found: %1</translation>
    </message>
    <message>
        <source>An SDXL checkpoint with Idefics2 needs a trained MUMU connector; import a MUMU package that uses them instead</source>
        <translation>An SDXL checkpoint with Idefics2 needs a trained MUMU connector; import a MUMU package that uses them instead</translation>
    </message>
    <message>
        <source>Not an Idefics2 folder (no config.json): %1</source>
        <translation>Not an Idefics2 folder (no config.json): %1</translation>
    </message>
</context>
<context>
    <name>mumu::PromptComposer</name>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 does not exist.</translation>
    </message>
    <message>
        <source>%1 is a folder, not an image.</source>
        <translation>%1 is a folder, not an image.</translation>
    </message>
    <message>
        <source>%1 is empty (0 bytes).</source>
        <translation>%1 is empty (0 bytes).</translation>
    </message>
    <message>
        <source>%1 cannot be read: %2</source>
        <translation>%1 cannot be read: %2</translation>
    </message>
    <message>
        <source>%1 is not an image (or a format that cannot be read).</source>
        <translation>%1 is not an image (or a format that cannot be read).</translation>
    </message>
    <message>
        <source>%1 cannot be decoded as an image: %2</source>
        <translation>%1 cannot be decoded as an image: %2</translation>
    </message>
    <message>
        <source>Weight: %1</source>
        <translation>Weight: %1</translation>
    </message>
    <message>
        <source>Crop: %1</source>
        <translation>Crop: %1</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>Note: %1</translation>
    </message>
    <message>
        <source>Double-click to edit, drag to move.</source>
        <translation>Double-click to edit, drag to move.</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>Undo the last edit of the prompt</source>
        <translation>Undo the last edit of the prompt</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>Redo the edit that was undone</source>
        <translation>Redo the edit that was undone</translation>
    </message>
    <message>
        <source>Syntax</source>
        <translation>Syntax</translation>
    </message>
    <message>
        <source>Show and edit the prompt as text, with [img:path:weight@x,y,w,h] for images</source>
        <translation>Show and edit the prompt as text, with [img:path:weight@x,y,w,h] for images</translation>
    </message>
    <message>
        <source>Describe the image. Drop or paste reference images where they belong among the words. Ctrl+Return generates.</source>
        <translation>Describe the image. Drop or paste reference images where they belong among the words. Ctrl+Return generates.</translation>
    </message>
    <message>
        <source>a photo of [img:cat.png] (wearing a red hat:1.3)</source>
        <translation>a photo of [img:cat.png] (wearing a red hat:1.3)</translation>
    </message>
    <message>
        <source>%1 could not be stored.</source>
        <translation>%1 could not be stored.</translation>
    </message>
    <message>
        <source>Nothing was added.</source>
        <translation>Nothing was added.</translation>
    </message>
    <message>
        <source>Some images were not added.</source>
        <translation>Some images were not added.</translation>
    </message>
    <message>
        <source>The pasted image is empty; nothing was added.</source>
        <translation>The pasted image is empty; nothing was added.</translation>
    </message>
    <message>
        <source>Cannot paste the image: there is no asset store to keep it in. Drop an image file instead.</source>
        <translation>Cannot paste the image: there is no asset store to keep it in. Drop an image file instead.</translation>
    </message>
    <message>
        <source>The pasted image could not be stored: %1</source>
        <translation>The pasted image could not be stored: %1</translation>
    </message>
    <message>
        <source>Select the words to weight first.</source>
        <translation>Select the words to weight first.</translation>
    </message>
    <message>
        <source>The dropped prompt could not be read: %1</source>
        <translation>The dropped prompt could not be read: %1</translation>
    </message>
    <message>
        <source>Only image files on this computer can be dropped; nothing was added.</source>
        <translation>Only image files on this computer can be dropped; nothing was added.</translation>
    </message>
    <message numerus="yes">
        <source>%n dropped link(s) are not local files and were skipped.</source>
        <translation>
            <numerusform>%n dropped link(s) are not local files and were skipped.</numerusform>
            <numerusform>%n dropped link(s) are not local files and were skipped.</numerusform>
        </translation>
    </message>
    <message>
        <source>Syntax error at line %1, column %2: %3</source>
        <translation>Syntax error at line %1, column %2: %3</translation>
    </message>
    <message>
        <source>Edit reference image…</source>
        <translation>Edit reference image…</translation>
    </message>
    <message>
        <source>Remove reference image</source>
        <translation>Remove reference image</translation>
    </message>
    <message>
        <source>Weight…</source>
        <translation>Weight…</translation>
    </message>
    <message>
        <source>Phrase weight</source>
        <translation>Phrase weight</translation>
    </message>
    <message>
        <source>Weight of the selected words (1 = normal, 0 = ignored):</source>
        <translation>Weight of the selected words (1 = normal, 0 = ignored):</translation>
    </message>
</context>
<context>
    <name>mumu::PromptDocument</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>Cannot read %1: %2</translation>
    </message>
</context>
<context>
    <name>mumu::QueueView</name>
    <message>
        <source>seed %1</source>
        <translation>seed %1</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Cancel the selected job (a running one stops after its current step)</source>
        <translation>Cancel the selected job (a running one stops after its current step)</translation>
    </message>
    <message>
        <source>Cancel all</source>
        <translation>Cancel all</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Queue a failed or cancelled job again with the same settings and seed</source>
        <translation>Queue a failed or cancelled job again with the same settings and seed</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Start the waiting jobs again</source>
        <translation>Start the waiting jobs again</translation>
    </message>
    <message>
        <source>Start no new jobs until resumed (the running job finishes)</source>
        <translation>Start no new jobs until resumed (the running job finishes)</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>Up</translation>
    </message>
    <message>
        <source>Move the selected job earlier</source>
        <translation>Move the selected job earlier</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>Down</translation>
    </message>
    <message>
        <source>Move the selected job later</source>
        <translation>Move the selected job later</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>Clear finished</translation>
    </message>
</context>
<context>
    <name>mumu::RecipeRecoverer</name>
    <message>
        <source>&apos;%1&apos;: no such file</source>
        <translation>&apos;%1&apos;: no such file</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is empty (0 bytes)</source>
        <translation>&apos;%1&apos; is empty (0 bytes)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read: %2</source>
        <translation>&apos;%1&apos; cannot be read: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a PNG file: only PNG images carry a recipe (MUMU&apos;s or A1111&apos;s).</source>
        <translation>&apos;%1&apos; is not a PNG file: only PNG images carry a recipe (MUMU&apos;s or A1111&apos;s).</translation>
    </message>
    <message>
        <source>&apos;%1&apos; carries no recipe: it has neither MUMU Studio&apos;s metadata nor A1111 &quot;parameters&quot; text.</source>
        <translation>&apos;%1&apos; carries no recipe: it has neither MUMU Studio&apos;s metadata nor A1111 &quot;parameters&quot; text.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; was made by another tool: its prompt and settings were read from its A1111 text; there are no reference images.</source>
        <translation>&apos;%1&apos; was made by another tool: its prompt and settings were read from its A1111 text; there are no reference images.</translation>
    </message>
    <message>
        <source>Cannot read the recipe of &apos;%1&apos;: %2</source>
        <translation>Cannot read the recipe of &apos;%1&apos;: %2</translation>
    </message>
</context>
<context>
    <name>mumu::SettingsPanel</name>
    <message>
        <source>Save preset</source>
        <translation>Save preset</translation>
    </message>
    <message>
        <source>Preset name:</source>
        <translation>Preset name:</translation>
    </message>
    <message>
        <source>%1 (unavailable)</source>
        <translation>%1 (unavailable)</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>Seed locked: every generation uses this seed (click for a random seed each time)</source>
        <translation>Seed locked: every generation uses this seed (click for a random seed each time)</translation>
    </message>
    <message>
        <source>Random seed for every generation (click to lock the seed shown)</source>
        <translation>Random seed for every generation (click to lock the seed shown)</translation>
    </message>
    <message>
        <source>%1 (not in the model list)</source>
        <translation>%1 (not in the model list)</translation>
    </message>
    <message>
        <source>Import a MUMU model package (folder with mumu.json)</source>
        <translation>Import a MUMU model package (folder with mumu.json)</translation>
    </message>
    <message>
        <source>Import model</source>
        <translation>Import model</translation>
    </message>
    <message>
        <source>This folder is not a usable MUMU package:
%1</source>
        <translation>This folder is not a usable MUMU package:
%1</translation>
    </message>
    <message>
        <source>SDXL checkpoint</source>
        <translation>SDXL checkpoint</translation>
    </message>
    <message>
        <source>Safetensors (*.safetensors);;All files (*)</source>
        <translation>Safetensors (*.safetensors);;All files (*)</translation>
    </message>
    <message>
        <source>Idefics2 folder</source>
        <translation>Idefics2 folder</translation>
    </message>
    <message>
        <source>Add model</source>
        <translation>Add model</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Model</translation>
    </message>
    <message>
        <source>Pre&amp;set</source>
        <translation>Pre&amp;set</translation>
    </message>
    <message>
        <source>S&amp;ampler</source>
        <translation>S&amp;ampler</translation>
    </message>
    <message>
        <source>S&amp;teps</source>
        <translation>S&amp;teps</translation>
    </message>
    <message>
        <source>&amp;CFG scale</source>
        <translation>&amp;CFG scale</translation>
    </message>
    <message>
        <source>S&amp;eed</source>
        <translation>S&amp;eed</translation>
    </message>
    <message>
        <source>Si&amp;ze</source>
        <translation>Si&amp;ze</translation>
    </message>
    <message>
        <source>&amp;Batch</source>
        <translation>&amp;Batch</translation>
    </message>
    <message>
        <source>&amp;Negative prompt</source>
        <translation>&amp;Negative prompt</translation>
    </message>
    <message>
        <source>Model default</source>
        <translation>Model default</translation>
    </message>
    <message>
        <source>Draw a new random seed</source>
        <translation>Draw a new random seed</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Apply</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Save…</translation>
    </message>
    <message>
        <source>What the image should not show (text and [img:…] references)</source>
        <translation>What the image should not show (text and [img:…] references)</translation>
    </message>
    <message>
        <source>Import MUMU package…</source>
        <translation>Import MUMU package…</translation>
    </message>
    <message>
        <source>Add SDXL checkpoint + Idefics2…</source>
        <translation>Add SDXL checkpoint + Idefics2…</translation>
    </message>
    <message>
        <source>Remove from list</source>
        <translation>Remove from list</translation>
    </message>
    <message>
        <source>Rescan models</source>
        <translation>Rescan models</translation>
    </message>
    <message>
        <source>Import or remove models</source>
        <translation>Import or remove models</translation>
    </message>
    <message>
        <source>%1 (not on this machine)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>De&amp;vice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic (GPU when present)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic (bfloat16 on a GPU, float32 on the CPU)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the model runs. Images made on another device type have other pixels for the same seed.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mumu::ZoomView</name>
    <message>
        <source>no file given</source>
        <translation>no file given</translation>
    </message>
    <message>
        <source>no such file</source>
        <translation>no such file</translation>
    </message>
    <message>
        <source>the file is empty (0 bytes)</source>
        <translation>the file is empty (0 bytes)</translation>
    </message>
    <message>
        <source>Cannot open the image %1: %2</source>
        <translation>Cannot open the image %1: %2</translation>
    </message>
</context>
</TS>
