package dev.weft.cli;

import dev.weft.testkit.Durations;
import dev.weft.testkit.load.LoadResult;
import dev.weft.testkit.load.LoadSpec;
import dev.weft.testkit.load.OpenLoopLoadGenerator;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code weft load}: sends HTTP/1.1 requests at a fixed rate and prints latency measured open-loop. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {
            "Sends one HTTP/1.1 request at a fixed rate over keep-alive connections and prints the latency "
                    + "percentiles.",
            "Open loop: each request's latency runs from the time it was meant to be sent, so a slow server "
                    + "shows in every request that waited behind it (no coordinated omission)."
        })
public final class LoadCommand implements Callable<Integer> {

    private static final double[] PERCENTILES = {50, 75, 90, 99, 99.9, 99.99, 100};

    @Spec
    private CommandSpec spec;

    @Option(names = "--url", required = true, converter = HttpUriConverter.class,
            description = "Target, e.g. http://127.0.0.1:8080/health.")
    private URI url;

    @Option(names = "--rate", required = true, converter = RateConverter.class,
            description = "Requests per second, e.g. 1000.")
    private double rate;

    @Option(names = "--connections", defaultValue = "16", converter = PositiveIntConverter.class,
            description = "Keep-alive connections (default: ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--duration", defaultValue = "30s", converter = PositiveDurationConverter.class,
            description = "Measured time, e.g. 30s, 2m (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--warmup", defaultValue = "0s", converter = DurationConverter.class,
            description = "Time at the same rate before measuring, not recorded (default: ${DEFAULT-VALUE}).")
    private Duration warmup;

    @Option(names = "--method", description = "Request method (default: POST with --body, else GET).")
    private String method;

    @Option(names = "--body", description = "Request body text (UTF-8).")
    private String body;

    @Option(names = "--header", converter = HeaderConverter.class,
            description = "A request header as name:value; repeatable.")
    private List<Map.Entry<String, String>> headers = new ArrayList<>();

    @Option(names = "--event-loops", defaultValue = "1", converter = PositiveIntConverter.class,
            description = "Event-loop threads that own the connections (default: ${DEFAULT-VALUE}).")
    private int eventLoops;

    @Override
    public Integer call() throws Exception {
        LoadSpec load = loadSpec();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s %s at %s/s over %d connections for %s (warm-up %s)%n", load.method(), load.target(),
                format(rate), connections, Durations.format(duration), Durations.format(warmup));
        out.flush();
        LoadResult result;
        try {
            result = OpenLoopLoadGenerator.run(load, eventLoops);
        } catch (IllegalArgumentException e) {
            // the one argument checked only when the run starts: whether the host resolves
            throw new ParameterException(spec.commandLine(), "--url: " + e.getMessage());
        }
        out.println(result.summary());
        out.printf(Locale.ROOT, "sent %d, statuses %s, measured %.3fs%n", result.sent(), result.statusCounts(),
                result.measured().toNanos() / 1e9);
        out.println("percentile  latency ms");
        for (double p : PERCENTILES) {
            double millis = p == 100 ? result.latencyMicros().getMaxValue() / 1000.0 : result.percentileMillis(p);
            out.printf(Locale.ROOT, "%10s  %10.3f%n", format(p), millis);
        }
        out.flush();
        return 0;
    }

    /** The load these options describe. */
    LoadSpec loadSpec() {
        try {
            LoadSpec load = LoadSpec.get(url, connections, rate, duration).withWarmup(warmup);
            if (body != null || method != null) {
                String m = method != null ? method : "POST";
                load = load.withBody(m, body == null ? null : body.getBytes(StandardCharsets.UTF_8), null);
            }
            for (Map.Entry<String, String> header : headers) {
                try {
                    load = load.withHeader(header.getKey(), header.getValue());
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--header: " + e.getMessage());
                }
            }
            return load;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** Reads an absolute http:// URI. */
    static final class HttpUriConverter implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            URI uri;
            try {
                uri = new URI(value.trim());
            } catch (URISyntaxException e) {
                throw new TypeConversionException("expected a URL such as http://127.0.0.1:8080/, got " + value);
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new TypeConversionException(
                        "expected a URL such as http://127.0.0.1:8080/ (plain HTTP only), got " + value);
            }
            return uri;
        }
    }

    /** Reads a finite rate above zero. */
    static final class RateConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double rate;
            try {
                rate = Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected requests per second > 0, got " + value);
            }
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new TypeConversionException("expected requests per second > 0, got " + value);
            }
            return rate;
        }
    }

    /** Reads an integer >= 1. */
    static final class PositiveIntConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below with the expected form
            }
            throw new TypeConversionException("expected an integer >= 1, got " + value);
        }
    }

    /** Reads durations above zero. */
    static final class PositiveDurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration duration = new DurationConverter().convert(value);
            if (duration.isZero()) {
                throw new TypeConversionException("expected a duration > 0, got " + value);
            }
            return duration;
        }
    }

    /** Reads {@code name:value}. */
    static final class HeaderConverter implements ITypeConverter<Map.Entry<String, String>> {
        @Override
        public Map.Entry<String, String> convert(String value) {
            int colon = value.indexOf(':');
            if (colon <= 0) {
                throw new TypeConversionException("expected name:value, got " + value);
            }
            return Map.entry(value.substring(0, colon).trim(), value.substring(colon + 1).trim());
        }
    }
}
