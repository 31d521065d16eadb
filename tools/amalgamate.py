#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""amalgamate: the embeddable allocator as two files, osmem.h and osmem.c.

    tools/amalgamate.py OUT_DIR PUBLIC_HEADER... -- SOURCE...

Writes OUT_DIR/osmem.h and OUT_DIR/osmem.c from the tree (run from the
tree's root; make dist passes the lists, mk/dist.mk):

osmem.h  the PUBLIC_HEADERs (osmem_embed.h, version.h) with every tree
         header they include ("mm/...", "libk/...") inlined once, in
         dependency order (a header before the first file that includes
         it). System headers (<stddef.h> ...) stay #include lines: the
         freestanding ones a compiler brings.
osmem.c  #include "osmem.h", then each SOURCE the same way (tree headers
         inlined once, those already in osmem.h dropped), in the order
         given.

One translation unit, so the allocator's own functions need not be
exported: every function prototype in a header inlined into osmem.c (not
osmem.h) whose name osmem.h does not declare (fast_*, libk_*, the caches'
osmem_cache_* ...) is marked OSMEM_PRIVATE, which osmem.c defines as
`static` (a later definition without a storage class keeps that internal
linkage, C11 6.2.2). A test build may define OSMEM_PRIVATE as empty to
reach them (make test links the shared suites that way). So osmem.o
exports exactly the functions and objects osmem.h declares: make test
checks both directions (tests/port/dist.sh, case declared_is_exported).

A tree header marks what osmem.c does not hold (the classic allocator,
allocator.h) with `#ifndef OSMEM_DIST` ... `#endif`: both files drop the
block, the directives included.

osmem.h is wrapped in extern "C" for a C++ includer.

osmem.c starts with a check that the target is 64-bit (the block
headers are 64-bit words): one clear #error instead of dozens.

The private headers' `static inline` functions become OSMEM_INLINE (static
inline, marked unused): clang warns of an unused one in a .c file.

Each inlined file is preceded by a comment naming it; nothing else of the
text changes (include guards stay: harmless). Exit status 0, or 1 with a
message when a tree header cannot be found.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')
DIST_OMIT = re.compile(r"^\s*#\s*ifndef\s+OSMEM_DIST\b")
COND_OPEN = re.compile(r"^\s*#\s*if")
COND_CLOSE = re.compile(r"^\s*#\s*endif\b")
PRIVATE = "OSMEM_PRIVATE"
STATIC_INLINE = re.compile(r"^static inline\b", re.M)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def omit_dist_blocks(lines):
    """LINES without each `#ifndef OSMEM_DIST` block (to its matching
    #endif, nested conditionals counted), the directives included."""
    out = []
    depth = 0
    for line in lines:
        if depth:
            if COND_OPEN.match(line):
                depth += 1
            elif COND_CLOSE.match(line):
                depth -= 1
            continue
        if DIST_OMIT.match(line):
            depth = 1
            continue
        out.append(line)
    return out


def expand(path, seen, headers):
    """PATH's text with its tree #include lines and OSMEM_DIST blocks
    removed; each tree header it includes (not in SEEN) is expanded the
    same way and appended to HEADERS first, so a header comes before every
    file that uses it."""
    text = ["/* ---- %s ---- */\n" % path]
    for line in omit_dist_blocks(read(path).splitlines(keepends=True)):
        m = INCLUDE.match(line)
        if not m:
            text.append(line)
            continue
        inc = m.group(1)
        if not os.path.exists(inc):
            sys.exit("amalgamate: %s includes %s, not in the tree" % (path, inc))
        if inc in seen:
            continue
        seen.add(inc)
        headers.append(expand(inc, seen, headers))
    if not text[-1].endswith("\n"):
        text.append("\n")
    return "".join(text)


def skip_attributes(s):
    """S without its __attribute__((...)) groups (balanced parentheses)."""
    while True:
        i = s.find("__attribute__")
        if i < 0:
            return s
        j = s.find("(", i)
        depth = 0
        k = j
        while k < len(s):
            if s[k] == "(":
                depth += 1
            elif s[k] == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        s = s[:i] + " " + s[k + 1:]


def function_name(decl):
    """The name a top-level declaration DECL declares as a function, or
    None (a variable, a type, a function pointer, a macro's use)."""
    d = skip_attributes(decl)
    m = re.search(r"([A-Za-z_]\w*)\s*\(", d)
    if not m:
        return None
    head = d[:m.start()]
    if "(" in head or "=" in head or "{" in head:
        return None
    first = d.split(None, 1)[0] if d.split() else ""
    if first in ("typedef", "static", "extern", "return") or not head.strip():
        return None
    return m.group(1)


def mark_private(text, public=None):
    """TEXT (C headers) with OSMEM_PRIVATE before each top-level function
    prototype whose name is not in PUBLIC, and the set of the prototypes'
    names. A small scanner: it skips comments, strings, preprocessor lines
    and brace blocks, and cuts the rest into declarations at each
    top-level ';'."""
    names = set()
    out = []
    i = 0
    n = len(text)
    depth = 0
    start = None          # index in out where the current declaration began
    decl = []             # its significant text
    at_line_start = True
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.index("*/", i + 2) + 2
            out.append(text[i:j])
            i = j
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        if at_line_start and c == "#":
            j = i
            while True:
                e = text.find("\n", j)
                e = n if e < 0 else e
                if e > 0 and text[e - 1] == "\\":
                    j = e + 1
                    continue
                break
            out.append(text[i:e])
            i = e
            continue
        if c in "\"'":
            j = i + 1
            while text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            decl.append(text[i:j + 1])
            i = j + 1
            at_line_start = False
            continue
        if c == "\n":
            at_line_start = True
            out.append(c)
            i += 1
            continue
        if not c.isspace():
            at_line_start = False
            if depth == 0 and start is None:
                start = len(out)
                decl = []
        out.append(c)
        if start is not None:
            decl.append(c)
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and "".join(decl).split("{")[0].rstrip().endswith(")"):
                start = None        # a function's body (static inline)
        elif c == ";" and depth == 0 and start is not None:
            name = function_name("".join(decl))
            if name:
                names.add(name)
            if name and public is not None and name not in public:
                out.insert(start, PRIVATE + " ")
            start = None
        i += 1
    return "".join(out), names


def banner(what):
    version = re.search(r'#define OSMEM_VERSION\s+"([^"]+)"',
                        read("mm/osmem/version.h")).group(1)
    return ("/* SPDX-License-Identifier: MIT */\n"
            "/*\n"
            " * osmem %s: %s\n"
            " * Generated by tools/amalgamate.py from the osmem tree; edit the\n"
            " * tree, not this file. README and PORTING.md beside it say how to\n"
            " * use it. Paths in comments (mm/osmem/...) name the tree's files.\n"
            " */\n" % (version, what))


def main(argv):
    if "--" not in argv or len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    sep = argv.index("--")
    outdir, public, sources = argv[1], argv[2:sep], argv[sep + 1:]
    seen = set()

    h = []
    for p in public:
        seen.add(p)
        h.append(expand(p, seen, h))
    # extern "C": a C++ kernel includes it and links the C object.
    header = (banner("the allocator's public header") +
              "#ifndef OSMEM_AMALGAMATED_H\n#define OSMEM_AMALGAMATED_H\n\n" +
              "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n" +
              "".join(h) +
              "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n")

    # The private headers first, each before its users, then the sources.
    hdrs, srcs = [], []
    for s in sources:
        srcs.append(expand(s, seen, hdrs))
    hdr_text, src_text = "".join(hdrs), "".join(srcs)
    public = mark_private("".join(h))[1]
    body = (banner("the allocator, one translation unit") +
            "#include \"osmem.h\"\n\n"
            "#if UINTPTR_MAX != 0xffffffffffffffffu\n"
            "#error \"osmem needs a 64-bit target (its block headers are "
            "64-bit words): x86-64, AArch64, RISC-V 64 ...\"\n"
            "#endif\n\n"
            "/* The allocator's own functions: internal unless a test build\n"
            " * defines OSMEM_PRIVATE (as empty) to reach them. */\n"
            "#ifndef OSMEM_PRIVATE\n"
            "#define OSMEM_PRIVATE static __attribute__((unused))\n"
            "#endif\n\n" +
            "/* The private headers' inline functions: a header's unused\n"
            " * ones draw no warning, in a .c file clang warns of them. */\n"
            "#define OSMEM_INLINE static inline __attribute__((unused))\n\n" +
            STATIC_INLINE.sub("OSMEM_INLINE", mark_private(hdr_text, public)[0]) +
            src_text)

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "osmem.h"), "w", encoding="utf-8") as f:
        f.write(header)
    with open(os.path.join(outdir, "osmem.c"), "w", encoding="utf-8") as f:
        f.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
