package dev.weft.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The stop-the-world pauses in unified JVM logs written with {@code -Xlog:gc,gc+phases:file=...}. */
final class GcLog {

    // G1, Serial, Parallel: [1.234s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(64M) 2.345ms
    // generational ZGC (gc+phases only): [0.109s][info][gc,phases] GC(0) Y: Pause Mark Start (Major) 0.013ms
    private static final Pattern PAUSE = Pattern.compile("GC\\(\\d+\\) (?:[YO]: )?Pause .* ([0-9.]+)ms\\s*$");

    private GcLog() {
    }

    /** How many pauses there were, the longest, and how many reached 1 ms. */
    record Pauses(long count, double maxMillis, long atLeastOneMilli) {
    }

    static Pauses read(List<Path> logs) {
        long count = 0;
        long slow = 0;
        double max = 0;
        for (Path log : logs) {
            List<String> lines;
            try {
                lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read GC log " + log, e);
            }
            for (String line : lines) {
                Matcher pause = PAUSE.matcher(line);
                if (pause.find()) {
                    double millis = Double.parseDouble(pause.group(1));
                    count++;
                    max = Math.max(max, millis);
                    if (millis >= 1.0) {
                        slow++;
                    }
                }
            }
        }
        return new Pauses(count, max, slow);
    }
}
