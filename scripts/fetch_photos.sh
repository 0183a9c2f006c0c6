#!/usr/bin/env bash
# Fetches public-domain photos shipped in Debian packages (python3-skimage's sample data, darknet's test
# pictures) into assets/photos (git-ignored), for bootstrapping demos and the detector tests.
# Only the .deb files are downloaded (`apt-get download`, no dependencies, nothing installed) and only the
# listed image files are unpacked. Idempotent: does nothing when every file is already there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$here/assets/photos"

# package → files under its data folder. Keep in step with tests/data/bootstrap/photos_captions.jsonl.
skimage_dir="usr/lib/python3/dist-packages/skimage/data"
skimage_files=(astronaut.png chelsea.png coffee.png horse.png motorcycle_left.png rocket.jpg)
darknet_dir="usr/share/darknet/data"
darknet_files=(dog.jpg eagle.jpg giraffe.jpg horses.jpg kite.jpg person.jpg)

missing=0
for f in "${skimage_files[@]}" "${darknet_files[@]}"; do [[ -s $dest/$f ]] || missing=1; done
if ((missing == 0)); then
  echo "photos: present in $dest"
  exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
  { echo "photos: apt-get and dpkg-deb are needed (Debian)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes into the current folder; _apt cannot write into a root-owned mktemp folder,
# which only costs a warning, so let it.
chmod 755 "$tmp"
(cd "$tmp" && apt-get download -qq python3-skimage darknet)

extract() {  # extract DEB DIR FILES...
  local deb=$1 dir=$2; shift 2
  local paths=()
  for f in "$@"; do paths+=("./$dir/$f"); done
  mkdir -p "$tmp/x"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" "${paths[@]}"
  for f in "$@"; do
    # write under a temporary name, then rename: an interrupted run never leaves a truncated photo
    cp "$tmp/x/$dir/$f" "$dest/.$f.part" && mv "$dest/.$f.part" "$dest/$f"
  done
}

mkdir -p "$dest"
extract "$(ls "$tmp"/python3-skimage_*.deb)" "$skimage_dir" "${skimage_files[@]}"
extract "$(ls "$tmp"/darknet_*.deb)" "$darknet_dir" "${darknet_files[@]}"
echo "photos: extracted ${#skimage_files[@]} skimage + ${#darknet_files[@]} darknet photos into $dest"
