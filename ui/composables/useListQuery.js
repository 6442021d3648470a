/**
 * One list of a page read from the API page by page: the search the user types (asked for a short
 * while after the last keystroke), the current page (offset, total), loading and error state.
 *
 * `fetchPage({ search, offset, limit })` reads one page and resolves to `{ items, total }`; `search`
 * is the trimmed text ('' when empty). Only the answer of the latest query counts: a late answer
 * (or failure) of an older one is dropped. The offset moves only when its page arrived, so "Try
 * again" (`retry`) asks again for the page on show.
 *
 * Options (`limit`, `searchDelay` and `enabled` may be values, refs or getters, read at each use):
 * - `limit`: the page size handed to `fetchPage`;
 * - `searchDelay`: milliseconds between the last `searchSoon()` and the query (300);
 * - `enabled`: while false, `reload` asks nothing (e.g. no customer chosen yet);
 * - `immediate`: read the first page when the component is mounted (true).
 */
import { getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, ref, toValue } from 'vue';

export function useListQuery(fetchPage, { limit, searchDelay = 300, enabled = true, immediate = true } = {}) {
  const search = ref('');
  const items = ref([]);
  const total = ref(0);
  const offset = ref(0);
  const loading = ref(false);
  const error = ref(null);
  let generation = 0;
  let timer = null;

  function cancelSearch() {
    clearTimeout(timer);
    timer = null;
  }

  /** Read the page at `newOffset` (a pending search is replaced by this query). */
  async function reload(newOffset = 0) {
    if (!toValue(enabled)) return;
    cancelSearch();
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage({ search: search.value.trim(), offset: newOffset, limit: toValue(limit) });
      if (mine !== generation) return;
      items.value = page.items;
      total.value = page.total;
      offset.value = newOffset;
    } catch (failure) {
      if (mine !== generation) return;
      error.value = failure;
      items.value = [];
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** Ask again for the page on show (after an error). */
  const retry = () => reload(offset.value);

  /** The search changed: read its first page once the user paused typing. */
  function searchSoon() {
    cancelSearch();
    timer = setTimeout(() => reload(0), toValue(searchDelay));
  }

  if (immediate && getCurrentInstance()) onMounted(() => reload(0));
  if (getCurrentScope()) onScopeDispose(cancelSearch);

  return { search, items, total, offset, loading, error, reload, retry, searchSoon, cancelSearch };
}
