package dev.weft.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeshReportTest {

    @Test
    void percentilesAreNearestRank() {
        // given ten sorted samples 1..10
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

        // then p50 is the 5th, p90 the 9th, and p100 the last
        assertThat(MeshReport.percentile(sorted, 0.50)).isEqualTo(5);
        assertThat(MeshReport.percentile(sorted, 0.90)).isEqualTo(9);
        assertThat(MeshReport.percentile(sorted, 1.0)).isEqualTo(10);
        assertThat(MeshReport.percentile(new long[] {42}, 0.90)).isEqualTo(42);
    }
}
