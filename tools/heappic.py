#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""heappic: draw the kernel heap as SVG from the shell's `heapmap list`.

    tools/heappic.py SAMPLE.txt OUT.svg

SAMPLE is a shell log holding a `heapmap list` answer
(kernel/shell/heapmap.c, heapmap_list): a header line, then one line per
block, "  PAYLOAD SIZE KIND", PAYLOAD in hex, KIND one of allocated, free,
cached, mapped. Other lines (prompts, `heapmap plain`) are ignored; when
the log holds several lists, the last one is drawn.

Contract: one <rect class="block" data-kind=KIND data-size=SIZE
data-addr=PAYLOAD> per block, in the list's order, filled with
COLOUR[KIND]; width proportional to the size (at least MIN_W pixels so a
16-byte block stays visible), blocks flowing left to right in rows of
ROW_W pixels, a block wider than a row clipped to it (its title gives the
real size; a block of 90 px or more is labelled with its kind and size,
"clipped" when it was). tests/tools/heappic-check.sh relies on the class and data-
attributes. Pure Python 3, no dependency: a PNG needs an outside converter.

Exit status 0 on success, 1 when SAMPLE holds no block (a parser that
stopped matching must not draw an empty, "passing" picture), 2 on usage.
"""
import re
import sys

COLOUR = {
    "allocated": "#d62728",  # red, as heapmap's ANSI_ALLOC
    "free": "#2ca02c",       # green, ANSI_FREE
    "cached": "#1f77b4",     # blue, ANSI_CACHED
    "mapped": "#9467bd",     # purple: outside the brk heap
}
ROW_W = 800       # pixels of one row
ROW_H = 28
MIN_W = 3         # the narrowest block, pixels
BYTES_PER_PX = 16  # scale: one pixel is 16 bytes (a 64 KiB heap ~ 5 rows)
MARGIN = 10
LEGEND_H = 40

# "  0xffff900000000340      104 allocated"
BLOCK = re.compile(r"^\s*(0x[0-9a-fA-F]+)\s+(\d+)\s+(allocated|free|cached|mapped)\s*$")
HEADER = re.compile(r"^\s*payload\s+size\s+kind\s*$")


def parse(lines):
    """The blocks of the last `heapmap list` in lines: [(addr, size, kind)]."""
    blocks = None
    for line in lines:
        line = line.replace("\r", "")
        if HEADER.match(line):
            blocks = []
            continue
        m = BLOCK.match(line)
        if m and blocks is not None:
            blocks.append((int(m.group(1), 16), int(m.group(2)), m.group(3)))
    return blocks or []


def layout(blocks):
    """(x, y, w, block) for each block: rows of ROW_W, no block split."""
    x, y, out = 0, 0, []
    for b in blocks:
        w = min(ROW_W, max(MIN_W, b[1] / BYTES_PER_PX))
        if x > 0 and x + w > ROW_W:
            x, y = 0, y + ROW_H
        out.append((x, y, w, b))
        x += w
    return out, y + ROW_H


def svg(blocks):
    rects, height = layout(blocks)
    total = {k: [0, 0] for k in COLOUR}
    for _, size, kind in blocks:
        total[kind][0] += 1
        total[kind][1] += size
    W = ROW_W + 2 * MARGIN
    H = height + 2 * MARGIN + LEGEND_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>',
    ]
    for x, y, w, (addr, size, kind) in rects:
        out.append(
            f'<rect class="block" data-kind="{kind}" data-size="{size}" '
            f'data-addr="{addr:#x}" x="{MARGIN + x:.2f}" y="{MARGIN + y}" '
            f'width="{w:.2f}" height="{ROW_H - 4}" fill="{COLOUR[kind]}" '
            f'stroke="white" stroke-width="0.5">'
            f'<title>{addr:#x} {size} bytes {kind}</title></rect>')
        if w >= 90:  # room for a label: the size, and "clipped" if it is
            cut = ", clipped" if size / BYTES_PER_PX > ROW_W else ""
            out.append(f'<text x="{MARGIN + x + 4:.2f}" y="{MARGIN + y + 16}" '
                       f'fill="white">{kind} {size} bytes{cut}</text>')
    ly = MARGIN + height + 12
    lx = MARGIN
    for kind, colour in COLOUR.items():
        n, b = total[kind]
        out.append(f'<rect class="legend" x="{lx}" y="{ly}" width="12" '
                   f'height="12" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly + 11}">{kind}: {n} '
                   f'({b} B)</text>')
        lx += 195
    out.append(f'<text x="{MARGIN}" y="{ly + 30}" fill="#555">one pixel = '
               f'{BYTES_PER_PX} bytes, at least {MIN_W} px a block, at most a row; '
               f'address order, left to right (blocks: count, bytes)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        print("usage: heappic.py SAMPLE.txt OUT.svg", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8", errors="replace") as f:
        blocks = parse(f)
    if not blocks:
        print(f"heappic: {argv[1]}: no `heapmap list` block found",
              file=sys.stderr)
        return 1
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(svg(blocks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
