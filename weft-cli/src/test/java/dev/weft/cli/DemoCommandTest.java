package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** `weft demo` runs the whole local mesh and reports traffic split across both versions. */
class DemoCommandTest {

    @Test
    void demoSendsTrafficThroughTheClientsSidecarToBothVersions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Weft.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute("demo", "--duration", "3s", "--rate", "50", "--port", "0", "--xds-port", "0", "--api-port", "0",
                        "--dashboard-port", "0");

        assertThat(code).as("exit code; stderr: %s", err).isZero();
        String text = out.toString();
        assertThat(text).contains("./weft apply -f examples/mesh/canary-50.yaml");
        assertThat(text).containsPattern("dashboard +http://127\\.0\\.0\\.1:[1-9][0-9]*/ \\(read-only, this host only\\)");
        Matcher summary = Pattern.compile("Summary: sent=(\\d+) version\\{v1=(\\d+) v2=(\\d+)} status\\{200=(\\d+)} failed=(\\d+)")
                .matcher(text);
        assertThat(summary.find()).as(text).isTrue();
        long sent = Long.parseLong(summary.group(1));
        long v1 = Long.parseLong(summary.group(2));
        long v2 = Long.parseLong(summary.group(3));
        assertThat(sent).isGreaterThan(100);
        assertThat(Long.parseLong(summary.group(4))).isEqualTo(sent);
        assertThat(Long.parseLong(summary.group(5))).isZero();
        assertThat(v1 + v2).isEqualTo(sent);
        assertThat((double) v2 / sent).isBetween(0.01, 0.25);
    }

    @Test
    void badDurationIsAClearError() {
        StringWriter err = new StringWriter();
        int code = Weft.commandLine().setErr(new PrintWriter(err, true)).execute("demo", "--duration", "soon");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--duration");
    }
}
