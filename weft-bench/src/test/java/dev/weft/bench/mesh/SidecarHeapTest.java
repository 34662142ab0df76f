package dev.weft.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SidecarHeapTest {

    @Test
    void readsTheTotalBytesOfAClassHistogram() {
        // given the output of jcmd PID GC.class_histogram
        String histogram = String.join("\n",
                "12345:",
                " num     #instances         #bytes  class name (module)",
                "-------------------------------------------------------",
                "   1:         20011        1769512  [B (java.base@17.0.15)",
                "   2:          4301         522232  java.lang.Class (java.base@17.0.15)",
                "Total        104425       14581376",
                "");

        // then the live bytes are the Total line's
        assertThat(SidecarHeap.histogramTotal(histogram)).isEqualTo(14_581_376L);
    }

    @Test
    void aHistogramWithoutTotalIsAnError() {
        assertThatThrownBy(() -> SidecarHeap.histogramTotal("12345:\nAttach failed\n"))
                .hasMessageStartingWith("no Total line in the class histogram");
    }
}
