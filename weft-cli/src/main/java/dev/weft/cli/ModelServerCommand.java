package dev.weft.cli;

import dev.weft.testkit.Durations;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code weft model-server}: runs the simulated OpenAI-compatible model server until interrupted. */
@Command(name = "model-server", mixinStandardHelpOptions = true,
        description = {
            "Runs a simulated OpenAI-compatible model server (POST /v1/chat/completions, /v1/completions, "
                    + "GET /v1/models, /health, /metrics) that paces tokens like a real one.",
            "Every response carries x-model-server-instance and x-model-version."
        })
public final class ModelServerCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", defaultValue = "8000", converter = PortConverter.class,
            description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--model", defaultValue = "weft-sim",
            description = "Model name requests must name or omit (default: ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--model-version", defaultValue = "v1",
            description = "Version label sent in x-model-version (default: ${DEFAULT-VALUE}).")
    private String version;

    @Option(names = "--ttft", defaultValue = "10ms", converter = DurationConverter.class,
            description = "Time to first token, e.g. 200ms, 1.5s (default: ${DEFAULT-VALUE}).")
    private Duration timeToFirstToken;

    @Option(names = "--tokens-per-second", defaultValue = "1000", converter = TokensPerSecondConverter.class,
            description = "Pace of the tokens after the first (default: ${DEFAULT-VALUE}).")
    private double tokensPerSecond;

    @Option(names = "--response-tokens", defaultValue = "16", converter = PositiveIntConverter.class,
            description = "Completion length when a request gives no max_tokens (default: ${DEFAULT-VALUE}).")
    private int responseTokens;

    @Option(names = "--error-rate", defaultValue = "0", converter = ErrorRateConverter.class,
            description = "Share of completion requests answered with a 500, between 0 and 1 "
                    + "(default: ${DEFAULT-VALUE}).")
    private double errorRate;

    @Option(names = "--extra-latency", defaultValue = "0ms", converter = DurationConverter.class,
            description = "Latency added before a response starts (default: ${DEFAULT-VALUE}).")
    private Duration extraLatency;

    @Option(names = "--max-concurrency", defaultValue = "0", converter = NonNegativeIntConverter.class,
            description = "Completion requests processed at once, 0 for unlimited; the rest queue "
                    + "(default: ${DEFAULT-VALUE}).")
    private int maxConcurrency;

    @Option(names = "--max-queue", defaultValue = "1024", converter = NonNegativeIntConverter.class,
            description = "Completion requests allowed to queue before 429s (default: ${DEFAULT-VALUE}).")
    private int maxQueue;

    @Option(names = "--instance-id",
            description = "Label sent in x-model-server-instance (default: a random model-server-xxxxxxxx).")
    private String instanceId;

    @Option(names = "--h2c", description = "Also accept HTTP/2 with prior knowledge on the same port.")
    private boolean h2c;

    @Override
    public Integer call() throws Exception {
        ModelServerConfig config = config();
        PrintWriter out = spec.commandLine().getOut();
        ModelServer server;
        try {
            server = ModelServer.start(config, port);
        } catch (IllegalStateException e) {
            throw new ParameterException(spec.commandLine(),
                    "cannot listen on " + host + ":" + port + ": " + rootMessage(e));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "model-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("model-server %s serving model %s version %s on %s%s (ttft %s, %s tokens/s, error rate %s)%n",
                config.instanceId(), config.model(), config.version(), server.baseUrl(), h2c ? " (HTTP/1.1 and h2c)" : "",
                Durations.format(config.timeToFirstToken()), formatNumber(config.tokensPerSecond()),
                formatNumber(config.errorRate()));
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // Stopped from inside the JVM (tests, an embedding command): close here instead of in the hook.
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running and closes the server.
                return 0;
            }
            server.close();
        }
        return 0;
    }

    /** The server configuration these options describe. */
    ModelServerConfig config() {
        ModelServerConfig.Builder builder = ModelServerConfig.builder()
                .host(host).model(model).version(version)
                .timeToFirstToken(timeToFirstToken).tokensPerSecond(tokensPerSecond).extraLatency(extraLatency)
                .errorRate(errorRate).maxConcurrency(maxConcurrency).maxQueue(maxQueue)
                .responseTokens(responseTokens).maxResponseTokens(Math.max(responseTokens, 4096))
                .h2c(h2c);
        if (instanceId != null) {
            builder.instanceId(instanceId);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static String formatNumber(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** Reads a share between 0 and 1. */
    static final class ErrorRateConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double rate = parseDouble(value, "a number between 0 and 1");
            if (!(rate >= 0 && rate <= 1)) {
                throw new TypeConversionException("expected a number between 0 and 1, got " + value);
            }
            return rate;
        }
    }

    /** Reads a finite rate above zero. */
    static final class TokensPerSecondConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double rate = parseDouble(value, "a number > 0");
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new TypeConversionException("expected a number > 0, got " + value);
            }
            return rate;
        }
    }

    /** Reads a TCP port, 0 to 65535. */
    static final class PortConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int port = parseInt(value, "a port between 0 and 65535");
            if (port < 0 || port > 65535) {
                throw new TypeConversionException("expected a port between 0 and 65535, got " + value);
            }
            return port;
        }
    }

    /** Reads an integer >= 0. */
    static final class NonNegativeIntConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parseInt(value, "an integer >= 0");
            if (n < 0) {
                throw new TypeConversionException("expected an integer >= 0, got " + value);
            }
            return n;
        }
    }

    /** Reads an integer >= 1. */
    static final class PositiveIntConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parseInt(value, "an integer >= 1");
            if (n < 1) {
                throw new TypeConversionException("expected an integer >= 1, got " + value);
            }
            return n;
        }
    }

    private static double parseDouble(String value, String expected) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected " + expected + ", got " + value);
        }
    }

    private static int parseInt(String value, String expected) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected " + expected + ", got " + value);
        }
    }
}
