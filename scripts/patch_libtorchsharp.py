#!/usr/bin/env python3
"""Makes TorchSharp's libLibTorchSharp.so load where the system libstdc++ predates GCC 13 (Debian 12: GCC 12).

TorchSharp 0.107.0 was built with GCC 13 and needs GLIBCXX_3.4.32 for exactly one symbol,
std::ios_base_library_init() (_ZSt21ios_base_library_initv), which GCC 13's <iostream> calls from every
translation unit's static initialisation. libtorch itself needs only GLIBCXX_3.4.26. When the libstdc++ the loader
would pick lacks a version the library needs, and every symbol of that version is one we provide, this script
patches the copy of the library in a build's output folder (never the NuGet cache):

  1. the version-needed entry (.gnu.version_r) of each missing version is renamed to a version the system has
     (its name offset and its ELF hash), so the loader's version check passes;
  2. each symbol of that version loses its version (patchelf --clear-symbol-version), so it binds to any
     definition;
  3. libmlxmpi_iosinit.so (native/torchsharp/ios_base_library_init.cc), which defines the function, is added as
     DT_NEEDED (patchelf --add-needed); the library's RUNPATH has $ORIGIN, so it is found beside it.

Where the system libstdc++ has every needed version (GCC 13 or later) nothing is changed. Running it again on a
patched library changes nothing either. The patched file replaces the output's copy through a rename, so a copy
hard-linked to the NuGet cache is never written through.

Usage: patch_libtorchsharp.py DIR [--ios-init PATH] [--libstdcxx PATH] [--check]
  DIR         a build output: libLibTorchSharp.so is looked for in it and in its runtimes/linux-x64/native/
  --ios-init  libmlxmpi_iosinit.so, copied beside each library that needs it (else it must already be there)
  --libstdcxx the libstdc++ to check against (default: the one this process's loader resolves)
  --check     only report whether a patch is needed (exit 0: no, 3: yes), change nothing
"""

import argparse
import ctypes
import os
import shutil
import struct
import subprocess
import sys
import tempfile

LIBRARY = "libLibTorchSharp.so"
IOS_INIT_LIBRARY = "libmlxmpi_iosinit.so"
LIBSTDCXX_SONAME = "libstdc++.so.6"
# Symbols our libraries define, so a missing version that only these use can be patched away.
PROVIDED = {"_ZSt21ios_base_library_initv": IOS_INIT_LIBRARY}

SHT_DYNSYM = 11
SHT_GNU_VERDEF = 0x6FFFFFFD
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_GNU_VERSYM = 0x6FFFFFFF


class ElfError(Exception):
    pass


def elf_hash(name: bytes) -> int:
    """The SysV ELF hash that .gnu.version_r stores beside each version name (vna_hash)."""
    h = 0
    for c in name:
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


class Elf:
    """The few parts of a little-endian ELF64 shared object this script reads: sections, dynamic symbols and the
    GNU symbol-versioning tables."""

    def __init__(self, data: bytes, path: str):
        self.data = data
        self.path = path
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise ElfError(f"{path} is not a little-endian 64-bit ELF file")
        (e_shoff,) = struct.unpack_from("<Q", data, 0x28)
        e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
        self.sections = []
        for i in range(e_shnum):
            (sh_name, sh_type, _flags, _addr, sh_offset, sh_size, sh_link, _info, _align,
             sh_entsize) = struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
            self.sections.append({"type": sh_type, "offset": sh_offset, "size": sh_size,
                                  "link": sh_link, "entsize": sh_entsize})

    def section(self, sh_type):
        return next((s for s in self.sections if s["type"] == sh_type), None)

    def string(self, strtab, offset: int) -> bytes:
        start = strtab["offset"] + offset
        return self.data[start:self.data.index(b"\0", start)]

    def version_needs(self):
        """(file, name, index, byte offset of the vernaux entry, strtab) for every needed version."""
        sec = self.section(SHT_GNU_VERNEED)
        if sec is None:
            return []
        strtab = self.sections[sec["link"]]
        entries, at = [], sec["offset"]
        while True:
            _version, count, file_off, aux, nxt = struct.unpack_from("<HHIII", self.data, at)
            file_name = self.string(strtab, file_off).decode()
            aux_at = at + aux
            for _ in range(count):
                _hash, _flags, other, name_off, aux_next = struct.unpack_from("<IHHII", self.data, aux_at)
                entries.append((file_name, self.string(strtab, name_off).decode(), other, aux_at, strtab))
                aux_at += aux_next
            if nxt == 0:
                return entries
            at += nxt

    def version_definitions(self):
        sec = self.section(SHT_GNU_VERDEF)
        if sec is None:
            return set()
        strtab = self.sections[sec["link"]]
        names, at = set(), sec["offset"]
        while True:
            _version, _flags, _ndx, _count, _hash, aux, nxt = struct.unpack_from("<HHHHIII", self.data, at)
            (name_off,) = struct.unpack_from("<I", self.data, at + aux)
            names.add(self.string(strtab, name_off).decode())
            if nxt == 0:
                return names
            at += nxt

    def symbols_by_version_index(self):
        """Version index (hidden bit cleared) to the names of the dynamic symbols that carry it."""
        dynsym, versym = self.section(SHT_DYNSYM), self.section(SHT_GNU_VERSYM)
        if dynsym is None or versym is None:
            return {}
        strtab = self.sections[dynsym["link"]]
        result = {}
        for i in range(dynsym["size"] // dynsym["entsize"]):
            (name_off,) = struct.unpack_from("<I", self.data, dynsym["offset"] + i * dynsym["entsize"])
            (index,) = struct.unpack_from("<H", self.data, versym["offset"] + 2 * i)
            result.setdefault(index & 0x7FFF, []).append(self.string(strtab, name_off).decode())
        return result

    def needed_libraries(self):
        """DT_NEEDED names, read through the dynamic section's own string table."""
        dynamic = self.section(6)  # SHT_DYNAMIC
        strtab = self.sections[dynamic["link"]]
        names = []
        for at in range(dynamic["offset"], dynamic["offset"] + dynamic["size"], 16):
            tag, value = struct.unpack_from("<qQ", self.data, at)
            if tag == 0:
                break
            if tag == 1:
                names.append(self.string(strtab, value).decode())
        return names


def loaded_libstdcxx() -> str:
    """The libstdc++ this machine's loader resolves for libstdc++.so.6 (what a .NET process would load)."""
    ctypes.CDLL(LIBSTDCXX_SONAME)
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith("libstdc++.so"):
                return os.path.realpath(path)
    raise ElfError(f"the loader found no {LIBSTDCXX_SONAME}")


def plan(library: Elf, system_versions):
    """What to change: [(vernaux offset, strtab, missing name, replacement name, [symbols])]. Raises when a missing
    version covers a symbol that nothing here provides (then only a newer libstdc++ or a rebuild can help)."""
    needs = [n for n in library.version_needs() if n[0] == LIBSTDCXX_SONAME]
    present = sorted((n for n in needs if n[1] in system_versions and n[1].startswith("GLIBCXX_")),
                     key=lambda n: [int(p) for p in n[1].split("_")[1].split(".")])
    by_index = library.symbols_by_version_index()
    changes = []
    for file_name, name, index, aux_at, strtab in needs:
        if name in system_versions:
            continue
        symbols = by_index.get(index, [])
        unknown = [s for s in symbols if s not in PROVIDED]
        if unknown or not present:
            raise ElfError(f"{library.path} needs {name} from {LIBSTDCXX_SONAME}, which this system's libstdc++ lacks, "
                           f"for {', '.join(unknown) or 'its symbols'}; only {', '.join(sorted(PROVIDED))} can be supplied "
                           "here. Install a libstdc++ from GCC 13 or later, or build LibTorchSharp from source.")
        changes.append((aux_at, strtab, name, present[-1][1], symbols))
    return changes


def rename_version_needs(data: bytearray, library: Elf, changes):
    """Points each missing vernaux entry at the replacement's name (already in the string table) and its hash."""
    for aux_at, strtab, _missing, replacement, _symbols in changes:
        table = library.data[strtab["offset"]:strtab["offset"] + strtab["size"]]
        name_off = table.find(replacement.encode() + b"\0")
        if name_off < 0:
            raise ElfError(f"{replacement} is not in {library.path}'s string table")
        struct.pack_into("<I", data, aux_at, elf_hash(replacement.encode()))
        struct.pack_into("<I", data, aux_at + 8, name_off)


def run_patchelf(args):
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        raise ElfError("patchelf is not installed: run scripts/install-deps.sh (Debian package patchelf)")
    subprocess.run([patchelf, *args], check=True)


def patch(target: str, system_versions, libstdcxx: str, ios_init, check: bool) -> int:
    with open(target, "rb") as f:
        library = Elf(f.read(), target)
    folder = os.path.dirname(target)
    changes = plan(library, system_versions)
    if not changes:
        state = "already patched" if IOS_INIT_LIBRARY in library.needed_libraries() else "nothing to do"
        print(f"patch_libtorchsharp: {target}: {libstdcxx} has every version it needs; {state}")
        return 0
    if check:
        print(f"patch_libtorchsharp: {target} needs {', '.join(c[2] for c in changes)}, missing from {libstdcxx}")
        return 3
    needed = sorted({PROVIDED[s] for c in changes for s in c[4]})
    for name in needed:
        beside = os.path.join(folder, name)
        if ios_init and name == IOS_INIT_LIBRARY and os.path.realpath(ios_init) != os.path.realpath(beside):
            shutil.copyfile(ios_init, beside)
        if not os.path.exists(beside):
            raise ElfError(f"{name} is not beside {target}: pass --ios-init (src/MlxMpi.TorchSharp builds it)")

    # Patch a private copy, then rename it over the output's file: never write through a hard link.
    fd, temp = tempfile.mkstemp(prefix=".patching-", dir=folder)
    try:
        data = bytearray(library.data)
        rename_version_needs(data, library, changes)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        for symbol in sorted({s for c in changes for s in c[4]}):
            run_patchelf(["--clear-symbol-version", symbol, temp])
        for name in needed:
            if name not in library.needed_libraries():
                run_patchelf(["--add-needed", name, temp])
        os.chmod(temp, os.stat(target).st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    for _aux, _strtab, missing, replacement, symbols in changes:
        print(f"patch_libtorchsharp: {target}: {missing} -> {replacement}, {', '.join(symbols)} from {IOS_INIT_LIBRARY} "
              f"({libstdcxx} predates GCC 13)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--ios-init")
    parser.add_argument("--libstdcxx")
    parser.add_argument("--check", action="store_true")
    options = parser.parse_args()

    targets = [p for p in (os.path.join(options.dir, LIBRARY),
                           os.path.join(options.dir, "runtimes", "linux-x64", "native", LIBRARY)) if os.path.exists(p)]
    if not targets:
        print(f"patch_libtorchsharp: no {LIBRARY} in {options.dir}; nothing to do")
        return 0
    try:
        libstdcxx = options.libstdcxx or loaded_libstdcxx()
        with open(libstdcxx, "rb") as f:
            system_versions = Elf(f.read(), libstdcxx).version_definitions()
        return max(patch(t, system_versions, libstdcxx, options.ios_init, options.check) for t in targets)
    except (ElfError, subprocess.CalledProcessError, OSError) as e:
        print(f"patch_libtorchsharp: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
