// std::ios_base_library_init() for a libstdc++ older than GCC 13.
//
// GCC 13 changed how <iostream> initialises the standard streams: instead of a static std::ios_base::Init object in
// every translation unit, each one now calls std::ios_base_library_init() (exported as GLIBCXX_3.4.32). TorchSharp
// 0.107.0's libLibTorchSharp.so was built with GCC 13, so on Debian 12 (GCC 12, up to GLIBCXX_3.4.30) it does not
// load. scripts/patch_libtorchsharp.py clears that one symbol's version in a copy of the library and adds this
// library as DT_NEEDED, so the call lands here. Doing what GCC 12's headers do (construct one ios_base::Init,
// which constructs cout/cin/cerr/clog once per process and flushes them at exit) gives the same behaviour.
#include <ios>

namespace std
{
    // Declared here because GCC 12's <ios> does not declare it; the mangled name is what the patched library calls.
    __attribute__((visibility("default"))) void ios_base_library_init();

    void ios_base_library_init()
    {
        // A function-local static: constructed on the first call (from the caller's static initialisation) and
        // destroyed at exit, which is when ios_base::Init flushes the streams.
        static ios_base::Init init;
    }
}
