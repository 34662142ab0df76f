package dev.weft.bench.peers;

import dev.weft.testkit.Processes;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The external load tools: wrk for maximum throughput (closed loop, one thread) and h2load for
 * HTTP/2, each run to completion within a bound and parsed into a record.
 */
final class LoadTools {

    private static final Pattern WRK_RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_ERRORS = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)|Socket errors:.*");
    private static final Pattern H2_FINISHED = Pattern.compile("finished in [0-9.]+\\w+, ([0-9.]+) req/s");
    private static final Pattern H2_REQUESTS = Pattern.compile(
            "requests: (\\d+) total, \\d+ started, \\d+ done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout");
    private static final Pattern H2_STATUS = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");
    private static final Pattern H2_TIME = Pattern.compile(
            "time for request:\\s+([0-9.]+\\w+)\\s+([0-9.]+\\w+)\\s+([0-9.]+\\w+)");

    private LoadTools() {
    }

    /** What wrk measured: requests/s and whether anything went wrong. */
    record WrkResult(double requestsPerSecond, String problems) {
    }

    /** What h2load measured (succeeded: 2xx responses), latencies in milliseconds as it prints them. */
    record H2Result(double requestsPerSecond, long succeeded, long failed, double meanMillis, double maxMillis) {
    }

    static WrkResult wrk(URI target, int connections, Duration duration) {
        Processes.Result result = Processes.run(duration.plusSeconds(30), List.of("wrk", "-t1",
                "-c" + connections, "-d" + duration.toSeconds() + "s", target.toString()));
        if (!result.succeeded()) {
            throw new IllegalStateException("wrk failed: " + result.stderr() + result.stdout());
        }
        Matcher rate = WRK_RATE.matcher(result.stdout());
        if (!rate.find()) {
            throw new IllegalStateException("cannot read wrk's output:\n" + result.stdout());
        }
        Matcher errors = WRK_ERRORS.matcher(result.stdout());
        StringBuilder problems = new StringBuilder();
        while (errors.find()) {
            problems.append(problems.length() == 0 ? "" : "; ").append(errors.group().trim());
        }
        return new WrkResult(Double.parseDouble(rate.group(1)), problems.toString());
    }

    static H2Result h2load(URI target, int requests, int clients, int streams) {
        Processes.Result result = Processes.run(Duration.ofMinutes(3), List.of("h2load",
                "-n", Integer.toString(requests), "-c", Integer.toString(clients), "-m", Integer.toString(streams),
                target.toString()));
        String out = result.stdout();
        Matcher finished = H2_FINISHED.matcher(out);
        Matcher counts = H2_REQUESTS.matcher(out);
        Matcher time = H2_TIME.matcher(out);
        Matcher status = H2_STATUS.matcher(out);
        if (!result.succeeded() || !finished.find() || !counts.find() || !time.find() || !status.find()) {
            throw new IllegalStateException("h2load against " + target + " failed:\n" + out + result.stderr());
        }
        // h2load counts a 5xx as succeeded; here anything but a 2xx is a failure
        long failed = Long.parseLong(counts.group(3)) + Long.parseLong(counts.group(4)) + Long.parseLong(counts.group(5))
                + Long.parseLong(status.group(2)) + Long.parseLong(status.group(3)) + Long.parseLong(status.group(4));
        return new H2Result(Double.parseDouble(finished.group(1)), Long.parseLong(status.group(1)), failed,
                millis(time.group(3)), millis(time.group(2)));
    }

    /** h2load prints latencies as 512us, 1.23ms or 1.5s. */
    static double millis(String text) {
        if (text.endsWith("us")) {
            return Double.parseDouble(text.substring(0, text.length() - 2)) / 1000.0;
        }
        if (text.endsWith("ms")) {
            return Double.parseDouble(text.substring(0, text.length() - 2));
        }
        if (text.endsWith("s")) {
            return Double.parseDouble(text.substring(0, text.length() - 1)) * 1000.0;
        }
        throw new IllegalArgumentException("unexpected h2load time: " + text);
    }
}
