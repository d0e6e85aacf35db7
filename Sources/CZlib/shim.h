// zlib, for gzip Content-Encoding of entry bundles (C2SP tlog-tiles "SHOULD be compressed").
#include <zlib.h>
