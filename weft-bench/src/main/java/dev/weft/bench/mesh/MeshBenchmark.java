package dev.weft.bench.mesh;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code mesh [--quick] [--proxies 50] [--services 500] [--calls 5] [--applies 20]}: the control plane's two
 * closing figures, the time from {@code weft apply} to every sidecar serving the new route ({@link PushLatency}) and
 * a sidecar's heap in a large mesh when it calls a few services ({@link SidecarHeap}). Prints Markdown tables.
 */
public final class MeshBenchmark {
    private MeshBenchmark() {}

    public static void main(String[] args) throws Exception {
        MeshOptions options;
        try {
            options = MeshOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // Fifty proxies log every config they apply; that is noise here, and writing it would be timed.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        Path work = Files.createTempDirectory("weft-mesh-bench");
        String loadBefore = loadAverage();
        try {
            System.err.println("mesh: " + options.proxies() + " sidecars, " + options.applies() + " applies ...");
            PushLatency.Report push = PushLatency.run(options, work);
            System.err.println("mesh: heap of a sidecar in a " + options.services() + "-service mesh ...");
            SidecarHeap.Report heap = SidecarHeap.run(options, work);
            String machine = machine() + ", 1-minute load average " + loadBefore + " before the run and "
                    + loadAverage() + " after it";
            System.out.println(MeshReport.markdown(options, push, heap, machine));
        } finally {
            deleteTree(work);
        }
    }

    private static String machine() {
        String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", "));
        return Runtime.getRuntime().availableProcessors() + " CPUs, Java " + System.getProperty("java.version")
                + " (" + gcs + ")";
    }

    /** The first field of /proc/loadavg: on a shared machine, how busy it was besides this run. */
    private static String loadAverage() throws IOException {
        Path loadavg = Path.of("/proc/loadavg");
        return Files.exists(loadavg) ? Files.readString(loadavg).split(" ")[0] : "unknown";
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
