#!/usr/bin/python3
"""Generates the internal P/Invoke declarations (bindings/NativeMethods.g.cs) from the shim header.

ClangSharp is the design's generator, but no registry reachable here serves it, so this script reads
the header with libclang's official Python bindings (Debian: python3-clang-14) and writes code shaped
like ClangSharp's. Settings live next to the output in bindings/generator.json.

    scripts/generate_bindings.py            regenerate the checked-in file
    scripts/generate_bindings.py --check    exit 1 with a diff when the checked-in file is stale
    scripts/generate_bindings.py --output PATH

Anything that cannot cross the ABI blittably is an error, never a silent IntPtr: the managed layers
rely on every declaration needing no marshalling.
"""
import argparse
import difflib
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = REPO / "bindings" / "generator.json"
LIBCLANG_CANDIDATES = ["/usr/lib/x86_64-linux-gnu/libclang-14.so.1", "/usr/lib/llvm-14/lib/libclang-14.so.1"]
SETTINGS_KEYS = {"header", "includeDirectories", "clangArguments", "namespace", "className", "libraryName",
                 "exportPrefix", "output", "ignoredMacros", "remappedTypes"}
CSHARP_KEYWORDS = set("""abstract as base bool break byte case catch char checked class const continue decimal
    default delegate do double else enum event explicit extern false finally fixed float for foreach goto if
    implicit in int interface internal is lock long namespace new null object operator out override params
    private protected public readonly ref return sbyte sealed short sizeof stackalloc static string struct
    switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual void volatile while""".split())

try:
    import clang.cindex as ci
except ImportError:   # exit 2 like every other error: 1 means "stale" to --check callers
    print("generate_bindings.py: error: clang.cindex not found; install python3-clang-14 and run with /usr/bin/python3",
          file=sys.stderr)
    sys.exit(2)

TK, CK = ci.TypeKind, ci.CursorKind
# Plain char maps to sbyte whatever its signedness on the host (unsigned on Arm Linux), so the output
# does not depend on where it was generated; C strings are byte buffers either way.
BUILTINS = {TK.VOID: "void", TK.CHAR_S: "sbyte", TK.CHAR_U: "sbyte", TK.SCHAR: "sbyte", TK.UCHAR: "byte",
            TK.SHORT: "short", TK.USHORT: "ushort", TK.INT: "int", TK.UINT: "uint",
            TK.LONGLONG: "long", TK.ULONGLONG: "ulong", TK.FLOAT: "float", TK.DOUBLE: "double"}
WHY_NOT = {TK.LONG: "long is 32-bit on Windows and 64-bit elsewhere; use int64_t",
           TK.ULONG: "unsigned long is 32-bit on Windows and 64-bit elsewhere; use uint64_t",
           TK.BOOL: "_Bool needs marshalling; use int32_t or uint8_t"}


class GeneratorError(Exception):
    pass


def fail(cursor, message):
    loc = cursor.location if cursor is not None else None
    where = f"{loc.file.name}:{loc.line}:{loc.column}: " if loc is not None and loc.file else ""
    raise GeneratorError(where + message)


def load_settings(path):
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    unknown, missing = set(settings) - SETTINGS_KEYS, SETTINGS_KEYS - set(settings)
    if unknown or missing:
        raise GeneratorError(f"{path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    return settings


def parse_header(settings):
    library = os.environ.get("LIBCLANG_PATH") or next((p for p in LIBCLANG_CANDIDATES if os.path.exists(p)), None)
    if library:
        ci.Config.set_library_file(library)
    header = REPO / settings["header"]
    args = settings["clangArguments"] + [f"-I{REPO / d}" for d in settings["includeDirectories"]]
    tu = ci.Index.create().parse(str(header), args=args,
                                 options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    problems = [str(d) for d in tu.diagnostics if d.severity >= ci.Diagnostic.Warning]
    if problems:
        raise GeneratorError("clang reported:\n  " + "\n  ".join(problems))
    return tu, header


class Comments:
    """Finds a declaration's C comment from the raw tokens. Clang's own attachment would give a
    member's trailing /* */ comment to the next member, so leading and trailing are told apart here."""

    def __init__(self, tu, header):
        extent = tu.get_extent(str(header), (0, header.stat().st_size))
        self.tokens = list(tu.get_tokens(extent=extent))
        self.offsets = [t.extent.start.offset for t in self.tokens]

    def _index_at(self, offset):
        return next((i for i, o in enumerate(self.offsets) if o >= offset), len(self.tokens))

    def _is_own_line(self, i):
        return i == 0 or self.tokens[i - 1].extent.end.line < self.tokens[i].extent.start.line

    def of(self, cursor, trailing=False):
        i = self._index_at(cursor.extent.start.offset)
        if i > 0 and self.tokens[i - 1].spelling == "typedef":   # typedef enum x { ... } x;
            i -= 1
        leading, line = [], self.tokens[i].extent.start.line if i < len(self.tokens) else 0
        while i > 0 and self.tokens[i - 1].kind == ci.TokenKind.COMMENT and self._is_own_line(i - 1) \
                and self.tokens[i - 1].extent.end.line >= line - 1:
            i -= 1
            leading.insert(0, self.tokens[i].spelling)
            line = self.tokens[i].extent.start.line
        after = []
        if trailing:
            j = self._index_at(cursor.extent.end.offset)
            if j < len(self.tokens) and self.tokens[j].spelling in (",", ";"):
                j += 1
            if j < len(self.tokens) and self.tokens[j].kind == ci.TokenKind.COMMENT \
                    and self.tokens[j].extent.start.line == cursor.extent.end.line:
                after.append(self.tokens[j].spelling)
        return [line for c in leading + after for line in comment_lines(c)]


def comment_lines(text):
    if text.startswith("/*"):
        lines = text[2:-2].lstrip("*!<").splitlines()
        lines = [l.strip() for l in lines]
        lines = [l[1:].strip() if l.startswith("*") else l for l in lines]   # " * " block style
    else:
        lines = [text.lstrip("/").lstrip("!<").strip()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def doc(lines, indent):
    if not lines:
        return []
    esc = [l.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for l in lines]
    if len(esc) == 1:
        return [f"{indent}/// <summary>{esc[0]}</summary>"]
    return [f"{indent}/// <summary>"] + [f"{indent}/// {l}".rstrip() for l in esc] + [f"{indent}/// </summary>"]


def ident(name):
    return "@" + name if name in CSHARP_KEYWORDS else name


class Generator:
    def __init__(self, settings, settings_name, tu, header):
        self.s, self.settings_name, self.tu, self.header = settings, settings_name, tu, header.resolve()
        self.comments = Comments(tu, header)

    def in_header(self, cursor):
        f = cursor.location.file
        return f is not None and Path(f.name).resolve() == self.header

    def cs_type(self, t, where):
        """The blittable C# spelling of a C type, or an error saying why there is none."""
        if t.kind == TK.POINTER:
            if t.get_pointee().kind in (TK.FUNCTIONPROTO, TK.FUNCTIONNOPROTO):
                fail(where, f"'{t.spelling}': function pointers are not supported")
            return self.cs_type(t.get_pointee(), where) + "*"
        if t.kind == TK.TYPEDEF:
            decl = t.get_declaration()
            if decl.spelling in self.s["remappedTypes"]:
                return self.s["remappedTypes"][decl.spelling]
            tag = decl.underlying_typedef_type.get_canonical()
            if tag.kind in (TK.RECORD, TK.ENUM) and tag.get_declaration().spelling == decl.spelling:
                return self.cs_type(tag, where)
            return self.cs_type(decl.underlying_typedef_type, where)   # typedef int32_t x_t: int, as ClangSharp
        if t.kind == TK.ELABORATED:
            return self.cs_type(t.get_named_type(), where)
        if t.kind in (TK.RECORD, TK.ENUM):
            decl = t.get_declaration()
            if decl.kind == CK.UNION_DECL or decl.is_anonymous() or not self.in_header(decl):
                fail(where, f"'{t.spelling}': only named structs and enums declared in the header are supported")
            return decl.spelling
        if t.kind in BUILTINS:
            return BUILTINS[t.kind]
        fail(where, f"'{t.spelling}' cannot be mapped blittably: {WHY_NOT.get(t.kind, t.kind.spelling + ' is not supported')}")

    def typed(self, t, where, target=""):
        """Attribute prefix keeping the C spelling when it differs from the C# one, as ClangSharp does."""
        cs = self.cs_type(t, where)
        return (f'[{target}NativeTypeName("{t.spelling}")]' if t.spelling != cs else ""), cs

    def enum(self, cursor):
        out = doc(self.comments.of(cursor), "") + [f"internal enum {cursor.spelling}", "{"]
        for member in cursor.get_children():
            if not -2**31 <= member.enum_value < 2**31:
                fail(member, f"{member.spelling} = {member.enum_value} does not fit the int32_t the ABI passes")
            out += doc(self.comments.of(member, trailing=True), "    ")
            out.append(f"    {ident(member.spelling)} = {member.enum_value},")
        return out + ["}"]

    def struct(self, cursor):
        fields = [f for f in cursor.get_children() if f.kind == CK.FIELD_DECL]
        self.check_layout(cursor, fields)
        body, unsafe = [], ""
        for f in fields:
            attr, cs = self.typed(f.type, f)
            unsafe = "unsafe " if "*" in cs else unsafe
            body += ([""] if body else []) + doc(self.comments.of(f, trailing=True), "    ")
            body += ([f"    {attr}"] if attr else []) + [f"    public {cs} {ident(f.spelling)};"]
        out = doc(self.comments.of(cursor), "") + [f"internal {unsafe}partial struct {cursor.spelling}", "{"] + body + ["}"]
        if not fields:
            return out
        # Native code fills these through pointers, so the compiler would warn "never assigned" (CS0649).
        return ["#pragma warning disable CS0649 // assigned by native code"] + out + ["#pragma warning restore CS0649"]

    def check_layout(self, cursor, fields):
        """C# lays a blittable struct out sequentially at natural alignment; refuse anything else."""
        if any(c.kind in (CK.STRUCT_DECL, CK.UNION_DECL) for c in cursor.get_children()):
            fail(cursor, f"struct {cursor.spelling}: nested struct or union declarations are not supported")
        offset, align = 0, 1
        for f in fields:
            if f.is_bitfield() or f.type.kind in (TK.CONSTANTARRAY, TK.INCOMPLETEARRAY, TK.VARIABLEARRAY):
                fail(f, f"{cursor.spelling}.{f.spelling}: bit-fields and arrays are not supported")
            a = f.type.get_align()
            offset = -(-offset // a) * a
            if cursor.type.get_offset(f.spelling) != offset * 8:
                fail(f, f"{cursor.spelling}.{f.spelling}: packed or over-aligned layout cannot be matched in C#")
            offset, align = offset + f.type.get_size(), max(align, a)
        if fields and cursor.type.get_size() != -(-offset // align) * align:
            fail(cursor, f"struct {cursor.spelling}: its size is not the natural sequential size")

    def function(self, cursor):
        name, prefix = cursor.spelling, self.s["exportPrefix"]
        if not name.startswith(prefix):
            fail(cursor, f"{name}: every function in the header must start with '{prefix}'")
        if cursor.type.kind != TK.FUNCTIONPROTO or cursor.type.is_function_variadic():
            fail(cursor, f"{name}: needs a prototype without '...' (write (void) for no parameters)")
        if cursor.storage_class == ci.StorageClass.STATIC or not any(c.kind == CK.VISIBILITY_ATTR for c in cursor.get_children()):
            fail(cursor, f"{name}: not exported (mark it MLXMPI_EXPORT, not static)")
        params = []
        for p in cursor.get_arguments():
            if not p.spelling:
                fail(p, f"{name}: name every parameter; the bindings keep the C names")
            attr, cs = self.typed(p.type, p)
            params.append(f"{attr + ' ' if attr else ''}{cs} {ident(p.spelling)}")
        ret_attr, ret = self.typed(cursor.result_type, cursor, "return: ")
        return doc(self.comments.of(cursor), "    ") + [
            f'    [LibraryImport("{self.s["libraryName"]}", EntryPoint = "{name}")]',
            # Cdecl is the C default; spelled out because the runtime's default on win-x86 is stdcall.
            "    [UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]",
        ] + ([f"    {ret_attr}"] if ret_attr else []) + [
            f"    internal static partial {ret} {ident(name)}({', '.join(params)});"]

    def generate(self):
        tags, functions = {}, {}   # dicts keep header order; a tag keeps its first position
        decls = sorted((c for c in self.tu.cursor.get_children() if self.in_header(c)),
                       key=lambda c: c.extent.start.offset)
        for c in decls:
            if c.kind in (CK.INCLUSION_DIRECTIVE, CK.MACRO_INSTANTIATION):
                continue
            if c.kind == CK.MACRO_DEFINITION:
                if c.spelling not in self.s["ignoredMacros"]:
                    fail(c, f"macro {c.spelling} is not mapped; turn it into an enum, or list it in ignoredMacros")
            elif c.kind == CK.TYPEDEF_DECL:   # uses map through it; checked here so unused ones fail too
                if c.spelling not in self.s["remappedTypes"]:
                    self.cs_type(c.underlying_typedef_type, c)
            elif c.kind in (CK.ENUM_DECL, CK.STRUCT_DECL):
                if c.is_anonymous():
                    fail(c, "anonymous structs and enums are not supported; give the tag a name")
                known = tags.get(c.spelling)
                if known is not None and known.is_definition() and c.is_definition():
                    fail(c, f"{c.spelling} is defined twice")
                if known is None or c.is_definition():   # a forward declaration yields to the definition
                    tags[c.spelling] = c
            elif c.kind == CK.FUNCTION_DECL:
                if c.spelling in functions:
                    fail(c, f"{c.spelling} is declared twice")
                functions[c.spelling] = self.function(c)
            else:
                fail(c, f"{c.kind.name} {c.spelling} is not supported by the bindings generator")
        types = [self.enum(c) if c.kind == CK.ENUM_DECL else self.struct(c) for c in tags.values()]
        return self.render(types, list(functions.values()))

    def render(self, types, functions):
        s = self.s
        out = ["// <auto-generated>",
               f"//     Generated by scripts/generate_bindings.py from {s['header']} (settings: {self.settings_name}).",
               "//     Do not edit: change the header or the settings and run scripts/generate_bindings.py again.",
               "// </auto-generated>", "",
               "using System.Runtime.CompilerServices;", "using System.Runtime.InteropServices;", "",
               f"namespace {s['namespace']};"]
        for t in types:
            out += [""] + t
        out += ["", f"/// <summary>The exports of {s['header']}, bound as they are declared there.</summary>",
                f"internal static unsafe partial class {s['className']}", "{"]
        for i, f in enumerate(functions):
            out += ([""] if i else []) + f
        return "\n".join(out + ["}"]) + "\n"


def unified_diff(old, new, old_name, new_name):
    """difflib.unified_diff, minus its 'autojunk' heuristic: in a 200+ line file it stops anchoring on
    frequent lines such as "}" and the attribute lines, and the diff grows confusing."""
    a, b = old.splitlines(True), new.splitlines(True)
    out = [f"--- {old_name}\n", f"+++ {new_name}\n"]
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        (_, i1, _, j1, _), (_, _, i2, _, j2) = group[0], group[-1]
        out.append(f"@@ -{i1 + (i2 > i1)},{i2 - i1} +{j1 + (j2 > j1)},{j2 - j1} @@\n")   # 0-based when empty
        for tag, a1, a2, b1, b2 in group:
            out += [" " + l for l in a[a1:a2]] if tag == "equal" else \
                   ["-" + l for l in a[a1:a2]] + ["+" + l for l in b[b1:b2]]
    return "".join(l if l.endswith("\n") else l + "\n" for l in out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 and print a diff if the output is stale")
    parser.add_argument("--output", help="where to write (default: the settings' output)")
    parser.add_argument("--settings", default=str(DEFAULT_SETTINGS), help="generator settings (JSON)")
    options = parser.parse_args()
    try:
        settings = load_settings(options.settings)
        settings_name = Path(os.path.relpath(Path(options.settings).resolve(), REPO)).as_posix()
        text = Generator(settings, settings_name, *parse_header(settings)).generate()
    except (GeneratorError, OSError, ValueError, ci.LibclangError, ci.TranslationUnitLoadError) as e:
        hint = " (set LIBCLANG_PATH to libclang's shared library)" if isinstance(e, ci.LibclangError) else ""
        print(f"generate_bindings.py: error: {e}{hint}", file=sys.stderr)
        return 2
    output = Path(options.output) if options.output else REPO / settings["output"]
    # newline="" so a CRLF copy counts as stale: the checked-in file is LF (bindings/.gitattributes).
    current = open(output, encoding="utf-8", newline="").read() if output.exists() else ""
    if options.check:
        if current == text:
            return 0
        shown = os.path.relpath(output, REPO)
        sys.stdout.write(unified_diff(current, text, f"a/{shown} (checked in)", f"b/{shown} (regenerated)"))
        print(f"{shown} is stale: run scripts/generate_bindings.py and commit the result", file=sys.stderr)
        return 1
    if current != text:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8", newline="\n")
    print(f"{os.path.relpath(output, REPO)}: {'updated' if current != text else 'up to date'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
