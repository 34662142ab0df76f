package dev.weft.bench.mesh;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.stream.LongStream;

/** The mesh benchmark's results as Markdown tables, ready for docs/benchmarks.md. */
final class MeshReport {
    private static final double MIB = 1024.0 * 1024.0;

    private MeshReport() {}

    static String markdown(MeshOptions options, PushLatency.Report push, SidecarHeap.Report heap, String machine) {
        StringBuilder out = new StringBuilder();
        out.append("_`").append(options.command()).append("` on ").append(machine).append("._\n\n");
        appendPush(out, push);
        out.append('\n');
        appendHeap(out, heap);
        return out.toString();
    }

    private static void appendPush(StringBuilder out, PushLatency.Report push) {
        List<PushLatency.Step> steps = push.steps();
        out.append("### `weft apply` to every proxy serving the new route\n\n");
        out.append(push.proxies()).append(" client sidecars (real Weft proxies, one JVM with the control plane and two"
                + " server sidecars); ").append(steps.size()).append(" applies flipping the chat route's weights, after ")
                .append(PushLatency.WARMUP_APPLIES).append(" untimed ones; a proxy counts once its applied RDS version"
                + " changed (polled every ").append(PushLatency.POLL_MICROS).append(" µs).\n\n");
        out.append("| from the start of the apply call to | min ms | p50 ms | p90 ms | max ms |\n");
        out.append("|---|---:|---:|---:|---:|\n");
        row(out, "the call's own return (`POST /v1/apply`)", longs(steps, PushLatency.Step::applyNanos));
        row(out, "the first proxy serving it", longs(steps, PushLatency.Step::firstNanos));
        row(out, "any one proxy (" + push.proxies() + " × " + steps.size() + " samples)",
                steps.stream().flatMapToLong(s -> LongStream.of(s.proxyNanos())).toArray());
        row(out, "**every** proxy serving it", longs(steps, PushLatency.Step::lastNanos));
        long served = steps.stream().filter(PushLatency.Step::served).count();
        out.append("\nNew route really served: ").append(served).append(" of ").append(steps.size())
                .append(" requests (one per apply, through the sidecars in turn) answered by the version the new"
                        + " weights select.");
        steps.stream().filter(s -> !s.served()).findFirst().ifPresent(s -> out.append(" First miss: expected ")
                .append(s.expected()).append(", got ").append(s.answered()).append('.'));
        out.append(" Startup: the ").append(push.proxies()).append(" sidecars had their first config and both"
                + " versions' endpoints ").append(seconds(push.startup())).append(" s after the first was started.\n");
    }

    private static void appendHeap(StringBuilder out, SidecarHeap.Report heap) {
        out.append("### Sidecar heap in a ").append(heap.services()).append("-service mesh\n\n");
        out.append("Each service: a Service, 2 ServiceInstances and an HTTPRoute with 2 rules (")
                .append(heap.resources()).append(" resources, applied in one call in ").append(seconds(heap.applyTime()))
                .append(" s). One client sidecar per case, alone in its own JVM (").append(SidecarHeap.MAX_HEAP)
                .append("), measured once it serves its config.\n\n");
        out.append("| sidecar | clusters | virtual hosts | routes | endpoints | live objects MiB | heap used after GC MiB"
                + " | ready s |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SidecarHeap.Result r : heap.results()) {
            out.append("| ").append(r.label())
                    .append(" | ").append(r.received().get("clusters"))
                    .append(" | ").append(r.received().get("virtualHosts"))
                    .append(" | ").append(r.received().get("routes"))
                    .append(" | ").append(r.received().get("endpoints"))
                    .append(" | ").append(mib(r.liveBytes()))
                    .append(" | ").append(mib(r.usedBytes()))
                    .append(" | ").append(seconds(r.timeToReady()))
                    .append(" |\n");
        }
        SidecarHeap.Result empty = heap.results().get(0);
        out.append("\nLive objects are the `Total` of `jcmd PID GC.class_histogram` (a full collection, reachable objects"
                + " only); heap used is the child's MemoryMXBean after two `System.gc()`. Over the empty config:");
        for (SidecarHeap.Result r : heap.results().subList(1, heap.results().size())) {
            out.append(' ').append(r.label()).append(" +").append(mib(r.liveBytes() - empty.liveBytes())).append(" MiB;");
        }
        out.setLength(out.length() - 1);
        out.append(".\n");
    }

    private static long[] longs(List<PushLatency.Step> steps, ToLongFunction<PushLatency.Step> f) {
        return steps.stream().mapToLong(f).toArray();
    }

    private static void row(StringBuilder out, String label, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        out.append("| ").append(label)
                .append(" | ").append(millis(sorted[0]))
                .append(" | ").append(millis(percentile(sorted, 0.50)))
                .append(" | ").append(millis(percentile(sorted, 0.90)))
                .append(" | ").append(millis(sorted[sorted.length - 1]))
                .append(" |\n");
    }

    /** Nearest rank: the smallest value at or above fraction {@code p} of the sorted samples. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / MIB);
    }
}
