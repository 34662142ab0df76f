package dev.weft.testkit;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked reference-counted object during it.
 *
 * <p>Registered for every test class through {@code META-INF/services} (JUnit extension
 * autodetection). Loading this class installs a {@link ResourceLeakDetectorFactory} whose detectors
 * record each leak report besides logging it. After each test class the extension runs the garbage
 * collector a bounded number of times and allocates a buffer so that Netty polls its leak queue,
 * then fails the class with every recorded report. A leak collected late can surface in the class that
 * runs next; the report's access records say where the object was created and last touched.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback {

    private static final int DETECTION_ROUNDS = 4;
    private static final long PAUSE_BETWEEN_ROUNDS_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final List<String> LEAKS = new ArrayList<>();

    static {
        install();
    }

    /**
     * Makes Netty record leak reports here. Idempotent. A ByteBuf leak detector that Netty created before
     * this ran (some code allocated a buffer first) is hooked through its leak listener instead.
     */
    public static synchronized void install() {
        if (!(ResourceLeakDetectorFactory.instance() instanceof RecordingFactory)) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        }
        ResourceLeakDetector<?> byteBufDetector = byteBufLeakDetector();
        if (byteBufDetector != null && !(byteBufDetector instanceof RecordingDetector)) {
            byteBufDetector.setLeakListener(LeakDetectionExtension::record);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks();
    }

    /**
     * Gives Netty the chance to notice leaked objects (bounded GC and allocation rounds, well under a
     * second), then throws an {@link AssertionError} listing every leak reported since the last check.
     * The reports are consumed, so a failure is raised once.
     */
    public static void assertNoLeaks() {
        List<String> leaks = detectLeaks();
        if (!leaks.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append(leaks.size()).append(" Netty resource leak(s) reported:");
            for (String leak : leaks) {
                message.append("\n\n").append(leak);
            }
            throw new AssertionError(message.toString());
        }
    }

    /** Runs the detection rounds and returns (and forgets) the leak reports recorded so far. */
    public static List<String> detectLeaks() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        if (level != ResourceLeakDetector.Level.DISABLED) {
            for (int round = 0; round < DETECTION_ROUNDS; round++) {
                System.gc();
                // Cleared references reach the queue through the JVM's reference handler thread.
                LockSupport.parkNanos(PAUSE_BETWEEN_ROUNDS_NANOS);
                pollByteBufLeaks(level);
                synchronized (LeakDetectionExtension.class) {
                    if (!LEAKS.isEmpty()) {
                        break;
                    }
                }
            }
        }
        synchronized (LeakDetectionExtension.class) {
            List<String> drained = List.copyOf(LEAKS);
            LEAKS.clear();
            return drained;
        }
    }

    /**
     * Netty polls a detector's reference queue when it tracks a new object; below PARANOID only a
     * sample of allocations is tracked, so the level is raised for the one allocation that polls.
     */
    private static void pollByteBufLeaks(ResourceLeakDetector.Level level) {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(8);
            probe.release();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    private static void record(String resourceType, String records) {
        String report = records == null || records.isEmpty()
                ? "LEAK: " + resourceType + " was garbage-collected before release() "
                        + "(run with -Dio.netty.leakDetection.level=PARANOID for access records)"
                : "LEAK: " + resourceType + " was garbage-collected before release(); access records:" + records;
        synchronized (LeakDetectionExtension.class) {
            LEAKS.add(report);
        }
    }

    private static ResourceLeakDetector<?> byteBufLeakDetector() {
        try {
            // AbstractByteBuf keeps its detector in a static field initialised when the class loads.
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            return (ResourceLeakDetector<?>) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Only matters when a buffer was allocated before this class loaded; say so rather than
            // break every test class.
            System.err.println("LeakDetectionExtension: cannot hook Netty's ByteBuf leak detector (" + e
                    + "); ByteBuf leaks are recorded only when the detector comes from this extension's factory");
            return null;
        }
    }

    /** Creates {@link RecordingDetector}s for every resource type Netty tracks. */
    private static final class RecordingFactory extends ResourceLeakDetectorFactory {

        @Override
        @Deprecated
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    /** A leak detector that records each report besides logging it. */
    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            // Report even when the error log level is off: recording must not depend on logging.
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record(resourceType, records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record(resourceType, "");
            super.reportUntracedLeak(resourceType);
        }
    }
}
