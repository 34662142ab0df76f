package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.testkit.load.LoadSpec;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code weft load}: options, their errors, and a short run that prints the summary and the table. */
class LoadCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine commandLine(LoadCommand command) {
        return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    }

    @Test
    void urlAndRateAreRequired() {
        int exit = commandLine(new LoadCommand()).execute();

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--url").contains("--rate");
    }

    @Test
    void aRateOfZeroIsAUsageError() {
        int exit = commandLine(new LoadCommand()).execute("--url", "http://127.0.0.1:1/", "--rate", "0");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--rate").contains("expected requests per second > 0, got 0");
    }

    @Test
    void anHttpsUrlIsAUsageError() {
        int exit = commandLine(new LoadCommand()).execute("--url", "https://127.0.0.1/", "--rate", "1");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--url").contains("plain HTTP only");
    }

    @Test
    void aMalformedDurationIsAUsageErrorShowingTheExpectedForm() {
        int exit = commandLine(new LoadCommand())
                .execute("--url", "http://127.0.0.1:1/", "--rate", "1", "--duration", "soon");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--duration").contains("'soon'").contains("e.g. 200ms");
    }

    @Test
    void aHeaderWithoutAColonIsAUsageError() {
        int exit = commandLine(new LoadCommand())
                .execute("--url", "http://127.0.0.1:1/", "--rate", "1", "--header", "x-a");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--header").contains("expected name:value, got x-a");
    }

    @Test
    void aHeaderNameThatIsNoTokenIsAUsageError() {
        int exit = commandLine(new LoadCommand())
                .execute("--url", "http://127.0.0.1:1/", "--rate", "1", "--header", "bad name: x");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--header: headers: name 'bad name' (expected a header token)");
    }

    @Test
    void aHostThatDoesNotResolveIsAUsageError() {
        int exit = commandLine(new LoadCommand())
                .execute("--url", "http://host.invalid/", "--rate", "1", "--duration", "100ms");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--url: target: cannot resolve host 'host.invalid'");
    }

    @Test
    void optionsBecomeTheLoadSpec() {
        LoadCommand command = new LoadCommand();
        commandLine(command).parseArgs("--url", "http://127.0.0.1:9/v1/chat/completions", "--rate", "250.5",
                "--connections", "4", "--duration", "10s", "--warmup", "2s", "--body", "{}",
                "--header", "content-type: application/json", "--header", "x-a:1");

        LoadSpec spec = command.loadSpec();

        assertThat(spec.method()).isEqualTo("POST");
        assertThat(spec.body()).asString(StandardCharsets.UTF_8).isEqualTo("{}");
        assertThat(spec.headers()).containsExactly(Map.entry("content-type", "application/json"), Map.entry("x-a", "1"));
        assertThat(spec.connections()).isEqualTo(4);
        assertThat(spec.ratePerSecond()).isEqualTo(250.5);
        assertThat(spec.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(spec.warmup()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void printsTheSummaryAndThePercentiles() {
        // given
        try (ModelServer server = ModelServer.start(ModelServerConfig.builder().build())) {
            // when
            int exit = Weft.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                    .execute("load", "--url", server.uri("/health").toString(), "--rate", "100",
                            "--connections", "2", "--duration", "500ms");

            // then
            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString())
                    .contains("GET " + server.uri("/health") + " at 100/s over 2 connections for 500ms")
                    .contains("completed 50, errors 0")
                    .contains("sent 50, statuses {200=50}")
                    .containsPattern("(?m)^\\s+99\\.9\\s+\\d+\\.\\d{3}$")
                    .containsPattern("(?m)^\\s+100\\s+\\d+\\.\\d{3}$");
        }
    }
}
