import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

/**
 * A list of `totalRows` fixed-height rows whose scrollbar covers all of them, however many: a 1 GiB mapping
 * has 67 million 16-byte rows, far more pixels than a browser lays out (~16-33 M px). Up to MAX_SCROLL_PX
 * the scroll is natural; beyond it the scroll range is scaled (one pixel of scrollbar is several rows) and
 * the rows on screen are drawn where the viewport is. The first row shown (`top`) is the state; the wheel
 * and the keys move it by rows, the scrollbar by its scaled position.
 */
export const MAX_SCROLL_PX = 8_000_000;

export interface ScaledScroll {
  /** First row on screen (absolute). */
  top: number;
  /** Rows that fit on screen (at least 1). */
  visibleRows: number;
  /** Height of the scroll content in px. */
  contentPx: number;
  /** Where the drawn rows start inside the content (px). */
  offsetPx: number;
  /** Show `row`: `center` puts it mid-screen, `nearest` scrolls only as far as needed. */
  reveal(row: number, how: 'center' | 'nearest'): void;
  onScroll(): void;
}

export function useScaledScroll(el: React.RefObject<HTMLDivElement | null>, totalRows: number, rowHeight: number): ScaledScroll {
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(400);
  const expected = useRef<number | null>(null);
  const visibleRows = Math.max(1, Math.floor(height / rowHeight));
  const naturalPx = totalRows * rowHeight;
  const scaled = naturalPx > MAX_SCROLL_PX;
  const contentPx = scaled ? MAX_SCROLL_PX : naturalPx;
  const maxTop = Math.max(0, totalRows - visibleRows);
  const clampTop = useCallback((t: number) => Math.max(0, Math.min(maxTop, Math.round(t))), [maxTop]);

  /** scrollTop for a first row, and back. */
  const pxOf = useCallback((t: number) => (scaled ? (maxTop ? (t / maxTop) * Math.max(0, contentPx - height) : 0) : t * rowHeight), [scaled, maxTop, contentPx, height, rowHeight]);
  const rowOf = useCallback((px: number) => (scaled ? (contentPx - height > 0 ? (px / (contentPx - height)) * maxTop : 0) : px / rowHeight), [scaled, contentPx, height, maxTop, rowHeight]);

  // Watch the height of the node that is there now: the pane may render its scroll area only once a VMA is
  // shown (after this hook first ran), and a stale height put the last rows of a mapping below the bottom.
  const observed = useRef<{ node: HTMLDivElement; ro: ResizeObserver } | null>(null);
  useLayoutEffect(() => {
    const node = el.current;
    if (observed.current?.node === node) return;
    observed.current?.ro.disconnect();
    observed.current = null;
    if (!node) return;
    const ro = new ResizeObserver(() => setHeight(node.clientHeight || 400));
    ro.observe(node);
    observed.current = { node, ro };
    setHeight(node.clientHeight || 400);
  });
  useEffect(() => () => observed.current?.ro.disconnect(), []);

  // Keep the scrollbar where `top` is (after a key, a jump or a wheel step).
  useLayoutEffect(() => {
    const node = el.current;
    if (!node) return;
    const px = pxOf(top);
    if (Math.abs(node.scrollTop - px) >= 1) {
      expected.current = px;
      node.scrollTop = px;
    }
  }, [top, pxOf, el]);

  // In a scaled list the wheel moves rows, not scaled pixels (a pixel can be hundreds of rows).
  useEffect(() => {
    const node = el.current;
    if (!node || !scaled) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const rows = e.deltaMode === 1 ? e.deltaY : e.deltaMode === 2 ? e.deltaY * visibleRows : e.deltaY / rowHeight;
      setTop((t) => clampTop(t + Math.round(rows || Math.sign(e.deltaY))));
    };
    node.addEventListener('wheel', onWheel, { passive: false });
    return () => node.removeEventListener('wheel', onWheel);
  }, [el, scaled, visibleRows, rowHeight, clampTop]);

  const onScroll = useCallback(() => {
    const node = el.current;
    if (!node) return;
    if (expected.current !== null && Math.abs(node.scrollTop - expected.current) < 1) {
      expected.current = null;
      return;
    }
    expected.current = null;
    setTop(clampTop(Math.floor(rowOf(node.scrollTop))));
  }, [el, rowOf, clampTop]);

  const reveal = useCallback(
    (row: number, how: 'center' | 'nearest') => {
      setTop((t) => {
        if (how === 'center') return clampTop(row - Math.floor(visibleRows / 2));
        if (row < t) return clampTop(row);
        if (row >= t + visibleRows) return clampTop(row - visibleRows + 1);
        return t;
      });
    },
    [clampTop, visibleRows],
  );

  // Rows are drawn where the viewport is: naturally at top*rowHeight, scaled at the scroll position.
  const offsetPx = scaled ? Math.min(pxOf(top), Math.max(0, contentPx - visibleRows * rowHeight)) : top * rowHeight;
  return { top: Math.min(top, maxTop), visibleRows, contentPx, offsetPx, reveal, onScroll };
}
