// Cheap structural checks of compressed files without decompressing them: LZ4 and zstd
// frames are sequences of length-prefixed blocks that can be walked to the end marker by
// reading only the headers; a gzip file can only be checked up to its header (the deflate
// stream has no length fields; its CRC and size are checked by decompressing, at `full`).
#pragma once

#include "verify/archive_toc.hpp"
#include "verify/file_reader.hpp"

namespace pds::verify::detail {

// Walks the whole window of r as a stream of `codec` frames; throws Corrupt naming the
// byte where the framing breaks. An empty window is accepted (pg_dump 16+ writes an
// empty file for an LZ4 stream it never wrote to).
void walk_frames(Codec codec, Reader& r);

} // namespace pds::verify::detail
