# SPDX-License-Identifier: MIT
# Pictures of the heap (tools/heappic.py, tools/heapmap-capture.sh).
#
#   make heap-picture   build/pictures/heap.svg from the checked-in sample,
#                       copied to docs/pictures/heap.svg (the README's), and
#                       docs/pictures/heap.png when rsvg-convert or
#                       ImageMagick's convert is there (else the committed
#                       PNG stays)
#   make heap-sample    boot build/shell.iso, alloc/free a few blocks and
#                       record `heapmap list` into the sample (QEMU)
#   make bench-picture  keep the last `make bench-malloc` run's plot and its
#                       table as docs/pictures/bench-malloc.png and .md (the
#                       README's): the plot of a real run, never drawn from
#                       numbers typed in
#
# The sample is data from a real boot, checked in so the picture needs no
# QEMU; tests/tools/heappic-check.sh (a make test step) draws it again and
# checks each block's rectangle.

HEAP_SAMPLE := docs/pictures/heapmap-sample.txt

.PHONY: heap-picture heap-sample bench-picture
heap-picture: $(HEAP_SAMPLE) tools/heappic.py
	@mkdir -p $(BUILD)/pictures docs/pictures
	$(Q)python3 tools/heappic.py $(HEAP_SAMPLE) $(BUILD)/pictures/heap.svg
	$(Q)cp $(BUILD)/pictures/heap.svg docs/pictures/heap.svg
	$(Q)if command -v rsvg-convert >/dev/null && \
	    rsvg-convert -o $(BUILD)/pictures/heap.png $(BUILD)/pictures/heap.svg; then \
		cp $(BUILD)/pictures/heap.png docs/pictures/heap.png; \
	elif command -v convert >/dev/null && \
	    convert $(BUILD)/pictures/heap.svg $(BUILD)/pictures/heap.png 2>/dev/null; then \
		cp $(BUILD)/pictures/heap.png docs/pictures/heap.png; \
	else echo "heap-picture: no working rsvg-convert or convert: PNG not remade"; fi
	@echo "heap-picture: $(BUILD)/pictures/heap.svg, docs/pictures/heap.svg"

heap-sample: $(BUILD)/shell.iso
	$(Q)tools/heapmap-capture.sh $(HEAP_SAMPLE)

# The run's table says which run the plot is (rounds, date of the files);
# tests/tools/bench-picture-check.sh checks the pair matches.
BENCH_OUT ?= $(BUILD)/bench
bench-picture:
	@for f in malloc.png malloc.md; do [ -s $(BENCH_OUT)/$$f ] || { \
		echo "bench-picture: no $(BENCH_OUT)/$$f: run make bench-malloc first" >&2; exit 1; }; done
	$(Q)cp $(BENCH_OUT)/malloc.png docs/pictures/bench-malloc.png
	$(Q)cp $(BENCH_OUT)/malloc.md docs/pictures/bench-malloc.md
	@echo "bench-picture: docs/pictures/bench-malloc.png and .md from $(BENCH_OUT)"
