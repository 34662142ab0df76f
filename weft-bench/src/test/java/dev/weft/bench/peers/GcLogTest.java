package dev.weft.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcLogTest {

    @TempDir
    Path dir;

    @Test
    void countsStopTheWorldPausesOnly() throws Exception {
        // given a unified GC log with pauses and a concurrent phase
        Path log = Files.writeString(dir.resolve("gc.log"), String.join("\n",
                "[0.004s][info][gc] Using G1",
                "[0.512s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(64M) 2.345ms",
                "[0.900s][info][gc] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 30M->4M(64M) 0.412ms",
                "[0.950s][info][gc] GC(2) Concurrent Mark Cycle 12.001ms",
                "[1.000s][info][gc] GC(2) Pause Remark 5M->5M(64M) 0.900ms", ""));

        // when it is read
        GcLog.Pauses pauses = GcLog.read(List.of(log, dir.resolve("missing.log")));

        // then the concurrent cycle is not a pause
        assertThat(pauses.count()).isEqualTo(3);
        assertThat(pauses.maxMillis()).isEqualTo(2.345);
        assertThat(pauses.atLeastOneMilli()).isEqualTo(1);
    }

    @Test
    void readsGenerationalZgcPausesFromItsPhaseLines() throws Exception {
        // given generational ZGC's log with -Xlog:gc,gc+phases: pauses only in the phase lines
        Path log = Files.writeString(dir.resolve("zgc.log"), String.join("\n",
                "[0.007s][info][gc] Using The Z Garbage Collector",
                "[0.084s][info][gc] GC(0) Major Collection (Warmup) 8M(8%)->10M(10%) 0.021s",
                "[0.109s][info][gc,phases] GC(0) Y: Pause Mark Start (Major) 0.013ms",
                "[0.110s][info][gc,phases] GC(0) Y: Concurrent Mark 1.204ms",
                "[0.117s][info][gc,phases] GC(0) Y: Pause Mark End 0.014ms",
                "[0.118s][info][gc,phases] GC(0) O: Pause Relocate Start 1.508ms", ""));

        // when it is read
        GcLog.Pauses pauses = GcLog.read(List.of(log));

        // then the three pauses count and the collection's 0.021s total and the concurrent phase do not
        assertThat(pauses.count()).isEqualTo(3);
        assertThat(pauses.maxMillis()).isEqualTo(1.508);
        assertThat(pauses.atLeastOneMilli()).isEqualTo(1);
    }
}
