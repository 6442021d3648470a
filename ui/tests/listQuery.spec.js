import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, ref } from 'vue';

import { useListQuery } from '../composables/useListQuery.js';
import { deferred } from './fixtures.js';

const page = (names, total = names.length) => ({ items: names.map((name) => ({ name })), total });

/** Mount a component that only holds the query; returns the wrapper and the query. */
function host(fetchPage, options) {
  let query;
  const wrapper = mount(
    defineComponent({
      setup() {
        query = useListQuery(fetchPage, options);
        return () => null;
      },
    }),
  );
  return { wrapper, query };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('useListQuery', () => {
  it('reads the first page when mounted, with the limit and an empty search', async () => {
    const fetchPage = vi.fn().mockResolvedValue(page(['a', 'b'], 5));
    const { query } = host(fetchPage, { limit: () => 2 });
    expect(query.loading.value).toBe(true);
    await flushPromises();
    expect(fetchPage).toHaveBeenCalledTimes(1);
    expect(fetchPage).toHaveBeenCalledWith({ search: '', offset: 0, limit: 2 });
    expect(query.items.value.map((i) => i.name)).toEqual(['a', 'b']);
    expect(query.total.value).toBe(5);
    expect(query.offset.value).toBe(0);
    expect(query.loading.value).toBe(false);
    expect(query.error.value).toBeNull();
  });

  it('reads nothing on mount when not immediate, and nothing while not enabled', async () => {
    const fetchPage = vi.fn().mockResolvedValue(page(['a']));
    const enabled = ref(false);
    const { query } = host(fetchPage, { immediate: false, enabled });
    await flushPromises();
    expect(fetchPage).not.toHaveBeenCalled();
    await query.reload(0);
    expect(fetchPage).not.toHaveBeenCalled();
    expect(query.loading.value).toBe(false);
    enabled.value = true;
    await query.reload(0);
    expect(fetchPage).toHaveBeenCalledTimes(1);
  });

  it('asks for a search once the typing paused, trimmed and from the first page', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fetchPage = vi.fn().mockResolvedValue(page(['a'], 40));
    const { query } = host(fetchPage, { limit: 10, searchDelay: () => 300 });
    await flushPromises();
    await query.reload(20);
    expect(query.offset.value).toBe(20);
    fetchPage.mockClear();

    query.search.value = ' c';
    query.searchSoon();
    vi.advanceTimersByTime(200);
    query.search.value = ' con ';
    query.searchSoon();
    vi.advanceTimersByTime(299);
    expect(fetchPage).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fetchPage).toHaveBeenCalledTimes(1);
    expect(fetchPage).toHaveBeenCalledWith({ search: 'con', offset: 0, limit: 10 });
    await flushPromises();
    expect(query.offset.value).toBe(0);
  });

  it('drops a pending search when the list is read at once, or when unmounted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fetchPage = vi.fn().mockResolvedValue(page([]));
    const { wrapper, query } = host(fetchPage, { searchDelay: 300 });
    await flushPromises();
    fetchPage.mockClear();

    query.search.value = 'x';
    query.searchSoon();
    await query.reload(0); // e.g. the form was submitted
    vi.advanceTimersByTime(1000);
    expect(fetchPage).toHaveBeenCalledTimes(1);

    query.searchSoon();
    wrapper.unmount();
    vi.advanceTimersByTime(1000);
    expect(fetchPage).toHaveBeenCalledTimes(1);
  });

  it('pages: the offset moves when its page arrived', async () => {
    const next = deferred();
    const fetchPage = vi.fn().mockResolvedValueOnce(page(['a', 'b'], 3)).mockReturnValueOnce(next.promise);
    const { query } = host(fetchPage, { limit: 2 });
    await flushPromises();
    query.reload(2);
    expect(fetchPage).toHaveBeenLastCalledWith({ search: '', offset: 2, limit: 2 });
    expect(query.loading.value).toBe(true);
    expect(query.offset.value).toBe(0);
    next.resolve(page(['c'], 3));
    await flushPromises();
    expect(query.offset.value).toBe(2);
    expect(query.items.value.map((i) => i.name)).toEqual(['c']);
    expect(query.loading.value).toBe(false);
  });

  it('keeps the error of a failed page, and a retry asks for the page on show again', async () => {
    const failure = new Error('down');
    const fetchPage = vi
      .fn()
      .mockResolvedValueOnce(page(['a', 'b'], 6))
      .mockResolvedValueOnce(page(['c', 'd'], 6))
      .mockRejectedValueOnce(failure)
      .mockResolvedValueOnce(page(['c', 'd'], 6));
    const { query } = host(fetchPage, { limit: 2 });
    await flushPromises();
    await query.reload(2);
    await query.reload(4);
    expect(query.error.value).toBe(failure);
    expect(query.items.value).toEqual([]);
    expect(query.loading.value).toBe(false);
    expect(query.offset.value).toBe(2);

    const retried = query.retry();
    expect(query.error.value).toBeNull();
    expect(query.loading.value).toBe(true);
    await retried;
    expect(fetchPage).toHaveBeenLastCalledWith({ search: '', offset: 2, limit: 2 });
    expect(query.error.value).toBeNull();
    expect(query.items.value.map((i) => i.name)).toEqual(['c', 'd']);
  });

  it('drops the late answer of an older query, be it a page or a failure', async () => {
    const older = deferred();
    const oldest = deferred();
    const newer = deferred();
    const fetchPage = vi
      .fn()
      .mockReturnValueOnce(oldest.promise)
      .mockReturnValueOnce(older.promise)
      .mockReturnValueOnce(newer.promise);
    const { query } = host(fetchPage, { limit: 2 });
    query.reload(2);
    query.reload(4);

    older.resolve(page(['old'], 9));
    await flushPromises();
    expect(query.items.value).toEqual([]);
    expect(query.loading.value).toBe(true); // the newest query is still on its way

    newer.resolve(page(['new'], 1));
    await flushPromises();
    expect(query.items.value.map((i) => i.name)).toEqual(['new']);
    expect(query.total.value).toBe(1);
    expect(query.offset.value).toBe(4);

    oldest.reject(new Error('late failure'));
    await flushPromises();
    expect(query.error.value).toBeNull();
    expect(query.items.value.map((i) => i.name)).toEqual(['new']);
    expect(query.offset.value).toBe(4);
    expect(query.loading.value).toBe(false);
  });
});
