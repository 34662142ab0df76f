package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code weft model-server}: options, their errors, and a server that runs until interrupted. */
class ModelServerCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine commandLine(ModelServerCommand command) {
        return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    }

    @Test
    void errorRateOutsideZeroToOneIsAUsageError() {
        int exit = commandLine(new ModelServerCommand()).execute("--error-rate", "1.5");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--error-rate").contains("expected a number between 0 and 1, got 1.5");
    }

    @Test
    void malformedDurationIsAUsageErrorShowingTheExpectedForm() {
        int exit = commandLine(new ModelServerCommand()).execute("--ttft", "fast");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--ttft").contains("'fast'").contains("e.g. 200ms");
    }

    @Test
    void defaultsMatchTheTestkitDefaults() {
        ModelServerCommand command = new ModelServerCommand();
        commandLine(command).parseArgs();

        ModelServerConfig fromCli = command.config();

        assertThat(fromCli.toBuilder().instanceId("x").build())
                .isEqualTo(ModelServerConfig.defaults().toBuilder().instanceId("x").build());
    }

    @Test
    void optionsBecomeTheServerConfig() {
        ModelServerCommand command = new ModelServerCommand();
        commandLine(command).parseArgs("--model", "llama", "--model-version", "v2", "--ttft", "1.5s",
                "--tokens-per-second", "25", "--error-rate", "0.1", "--extra-latency", "20ms",
                "--max-concurrency", "4", "--instance-id", "pod-1", "--h2c");

        ModelServerConfig config = command.config();

        assertThat(config.model()).isEqualTo("llama");
        assertThat(config.version()).isEqualTo("v2");
        assertThat(config.timeToFirstToken()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.tokensPerSecond()).isEqualTo(25);
        assertThat(config.errorRate()).isEqualTo(0.1);
        assertThat(config.extraLatency()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.maxConcurrency()).isEqualTo(4);
        assertThat(config.instanceId()).isEqualTo("pod-1");
        assertThat(config.h2c()).isTrue();
    }

    @Test
    void servesUntilInterrupted() throws Exception {
        // given
        AtomicInteger exit = new AtomicInteger(-1);
        Thread runner = new Thread(() -> exit.set(commandLine(new ModelServerCommand())
                .execute("--port", "0", "--instance-id", "cli-pod", "--model-version", "v3")));
        runner.start();
        Pattern listening = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+)");
        await().atMost(Duration.ofSeconds(10)).until(() -> listening.matcher(out.toString()).find());
        Matcher matcher = listening.matcher(out.toString());
        assertThat(matcher.find()).isTrue();
        String baseUrl = matcher.group(1);

        // when
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        runner.interrupt();
        runner.join(10_000);

        // then
        assertThat(health.body()).isEqualTo("ok");
        assertThat(health.headers().firstValue("x-model-server-instance")).hasValue("cli-pod");
        assertThat(health.headers().firstValue("x-model-version")).hasValue("v3");
        assertThat(runner.isAlive()).isFalse();
        assertThat(exit.get()).isZero();
        assertThat(out.toString()).contains("model-server cli-pod serving model weft-sim version v3");
    }
}
