package dev.weft.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerReportTest {

    @TempDir
    Path dir;

    @Test
    void replacesOnlyTheGeneratedRegion() throws Exception {
        // given a page with hand-written text around an old generated region
        Path page = dir.resolve("benchmarks.md");
        Files.writeString(page, "# Benchmarks\nintro\n\n<!-- results:begin (generated) -->\nold table\n"
                + "<!-- results:end -->\n\n## Runtime settings\nwritten by hand\n");

        // when the region is replaced
        PeerReport.replaceRegion(page, "| new | table |\n");

        // then the text outside the markers is byte for byte what it was
        assertThat(Files.readString(page)).isEqualTo("# Benchmarks\nintro\n\n<!-- results:begin (generated) -->\n"
                + "| new | table |\n<!-- results:end -->\n\n## Runtime settings\nwritten by hand\n");
    }

    @Test
    void refusesAPageWithoutTheMarkers() throws Exception {
        Path page = dir.resolve("benchmarks.md");
        Files.writeString(page, "# Benchmarks\n");

        assertThatThrownBy(() -> PeerReport.replaceRegion(page, "x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("results:begin");
    }
}
