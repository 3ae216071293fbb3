import { useKensa } from '../../stores/hooks';
import { PanelTitle } from '../../components/PanelTitle';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { VmaMap } from './VmaMap';
import { HexView } from './HexView';
import { SearchBar } from './SearchBar';
import { SearchResults } from './SearchResults';
import { Problems } from '../../components/Problems';

/** Memory: search across processes, the VMA map of the selected process, and the hex view. */
export function MemoryPanel() {
  const pid = useKensa((s) => s.selectedPid);
  const viewPid = useKensa((s) => s.view?.pid);
  return (
    <>
      <PanelTitle title="Memory" sub={pid !== null ? `process ${viewPid ?? pid}` : undefined} />
      <Problems members={[`mm-${viewPid ?? pid}.img`, `pagemap-${viewPid ?? pid}.img`, /^pages-\d+\.img$/, /^pagemap-shmem-\d+\.img$/, 'memfd.img']} />
      <div className="memory" data-testid="panel-memory">
        <SearchBar />
        <ErrorBoundary name="memory map" resetKey={pid}>
          <VmaMap />
        </ErrorBoundary>
        <ErrorBoundary name="hex view" resetKey={pid}>
          <HexView />
        </ErrorBoundary>
        <SearchResults />
      </div>
    </>
  );
}
