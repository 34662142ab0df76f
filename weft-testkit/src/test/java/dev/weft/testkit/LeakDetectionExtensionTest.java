package dev.weft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.Test;

/** {@link LeakDetectionExtension} notices a buffer that was never released. */
class LeakDetectionExtensionTest {

    @Test
    void isInstalledForEveryTestClass() {
        assertThat(ResourceLeakDetectorFactory.instance().getClass().getName())
                .startsWith(LeakDetectionExtension.class.getName());
    }

    @Test
    void reportsABufferThatWasGarbageCollectedWithoutRelease() {
        // given: leaks already found are not this test's business
        LeakDetectionExtension.detectLeaks();

        // when
        leakOneBuffer();

        // then: the check fails and names where the buffer was allocated; the report is consumed, so the
        // class-level check of this very class still passes
        assertThatThrownBy(LeakDetectionExtension::assertNoLeaks)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("LEAK")
                .hasMessageContaining("leakOneBuffer");
        assertThat(LeakDetectionExtension.detectLeaks()).isEmpty();
    }

    @Test
    void passesWhenEveryBufferIsReleased() {
        // given
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeLong(42);

        // when
        buf.release();

        // then
        LeakDetectionExtension.assertNoLeaks();
    }

    private static void leakOneBuffer() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        // Track this allocation whatever level the run uses, so the report has access records.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            ByteBuf buf = ByteBufAllocator.DEFAULT.heapBuffer(32);
            buf.writeInt(7);
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }
}
