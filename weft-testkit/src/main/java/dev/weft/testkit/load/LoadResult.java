package dev.weft.testkit.load;

import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one {@link OpenLoopLoadGenerator#run} measured, warm-up excluded. Every request the schedule
 * issued in the measured window is either completed (a whole response of any status) or an error
 * (connect failure, reset, timeout, or still unanswered when the run ended), so
 * {@code sent == completed + errors}.
 *
 * @param sent                  requests the schedule issued in the measured window
 * @param completed             requests answered with a whole response
 * @param errors                requests that got no whole response
 * @param statusCounts          completed requests by response status, in status order
 * @param latencyMicros         latency of completed requests in microseconds, from the time each was
 *                              intended to be sent (not when it was sent) to the end of its response
 * @param achievedRatePerSecond completed requests per second of {@code measured}
 * @param measured              from the start of the measured window to the last completion or the
 *                              window's end, whichever is later
 */
public record LoadResult(long sent, long completed, long errors, Map<Integer, Long> statusCounts,
                         Histogram latencyMicros, double achievedRatePerSecond, Duration measured) {

    public LoadResult {
        statusCounts = Collections.unmodifiableMap(new TreeMap<>(statusCounts));
    }

    /** The latency at {@code percentile} (0 to 100) in milliseconds; 0 when nothing completed. */
    public double percentileMillis(double percentile) {
        return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    /** One line: achieved rate, completed, errors, and p50/p90/p99/p99.9/max latency in milliseconds. */
    public String summary() {
        return String.format(Locale.ROOT,
                "rate %.1f/s, completed %d, errors %d, latency ms p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f",
                achievedRatePerSecond, completed, errors, percentileMillis(50), percentileMillis(90),
                percentileMillis(99), percentileMillis(99.9), latencyMicros.getMaxValue() / 1000.0);
    }
}
