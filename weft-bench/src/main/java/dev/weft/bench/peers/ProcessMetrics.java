package dev.weft.bench.peers;

import dev.weft.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time and resident memory of a process tree read from /proc: a proxy's own process plus its
 * direct children, so nginx's worker counts with its master.
 */
final class ProcessMetrics {

    private static final double TICKS_PER_SECOND = clockTicks();

    private ProcessMetrics() {
    }

    /** utime + stime of {@code pids} and their direct children, in seconds. */
    static double cpuSeconds(List<Long> pids) {
        long ticks = 0;
        for (long pid : withChildren(pids)) {
            String[] fields = statFields(pid);
            if (fields != null) {
                // fields[0] is field 3 of proc(5) (state): utime is field 14, stime field 15
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** The sum of VmRSS of {@code pids} and their direct children, in MiB. */
    static double rssMiB(List<Long> pids) {
        long kib = 0;
        for (long pid : withChildren(pids)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        kib += Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                    }
                }
            } catch (IOException e) {
                // the process exited between listing and reading: it holds no memory any more
            }
        }
        return kib / 1024.0;
    }

    /** The executable a process runs, for example the java binary the launcher chose. */
    static Path executable(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/exe", e);
        }
    }

    private static List<Long> withChildren(List<Long> pids) {
        List<Long> all = new ArrayList<>(pids);
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString())
                    .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .forEach(pid -> {
                        String[] fields = statFields(pid);
                        if (fields != null && pids.contains(Long.parseLong(fields[1])) && !all.contains(pid)) {
                            all.add(pid);
                        }
                    });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return all;
    }

    /** The fields of /proc/PID/stat after the command name, or null when the process is gone. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name is in parentheses and may itself hold spaces or parentheses
            return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException e) {
            return null;
        }
    }

    private static double clockTicks() {
        try {
            Processes.Result result = Processes.run(Duration.ofSeconds(5), List.of("getconf", "CLK_TCK"));
            return result.succeeded() ? Double.parseDouble(result.stdout().trim()) : 100.0;
        } catch (RuntimeException e) {
            return 100.0;
        }
    }
}
