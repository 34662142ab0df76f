package dev.weft.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.bench.peers.PeerResults.Latency;
import dev.weft.bench.peers.PeerResults.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
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

    @Test
    void rendersTheGrpcTablesWithWhatEachProxyAddsAndItsRatios() {
        // given a run in which every target served gRPC
        PeerResults results = run();
        results.grpcLatency.put(1_000, byTarget(
                new Latency(1_000, 1_000, 0.200, 0.500, 1.000, 20_000, 0),
                new Latency(1_000, 1_000, 0.300, 0.900, 2.000, 20_000, 0),
                new Latency(1_000, 1_000, 0.250, 0.700, 1.500, 20_000, 0),
                new Latency(1_000, 999, 0.400, 1.300, 3.000, 19_980, 2),
                new Latency(1_000, 998, 0.600, 2.100, 4.000, 19_960, 0),
                new Latency(1_000, 997, 0.800, 4.100, 8.000, 19_940, 0)));
        results.grpcThroughput.putAll(byTarget(
                new GrpcLoad.Throughput(64, 30_000, 450_000, 0, 2.0, 4.0, ""),
                new GrpcLoad.Throughput(64, 10_000, 150_000, 0, 6.0, 9.0, ""),
                new GrpcLoad.Throughput(64, 20_000, 300_000, 0, 3.0, 5.0, ""),
                new GrpcLoad.Throughput(64, 15_000, 225_000, 3, 4.0, 8.0, "3 x status UNAVAILABLE, 0 message(s)"),
                new GrpcLoad.Throughput(64, 8_000, 120_000, 0, 8.0, 12.0, ""),
                new GrpcLoad.Throughput(64, 6_000, 90_000, 0, 10.0, 15.0, "")));

        // when the report is rendered
        String md = new PeerReport(PeersOptions.parse(new String[] {"--quick"}), results).markdown();

        // then the gRPC latency table holds each proxy's figure minus direct's
        assertThat(md).contains("### gRPC unary calls, added latency (4 channels, open loop)")
                .contains("| weft | 1,000 | 999 | 0.400 | 1.300 | 3.000 | +0.200 | +0.800 | +2.000 | 2 |")
                .contains("| direct | 1,000 | 1,000 | 0.200 | 0.500 | 1.000 |  |  |  | 0 |");
        // and the throughput table the calls/s against nginx's and HAProxy's
        assertThat(md).contains("| weft | 15,000 | 1.50 | 0.75 | 4.000 | 8.000 | 3 |")
                .contains("| weft x2 | 8,000 | 0.80 | 0.40 | 8.000 | 12.000 | 0 |");
        // and the ratio table the gRPC rows: weft's added p50 0.2 over nginx's 0.1 and HAProxy's 0.05, the mTLS
        // pair's 0.6 over the plaintext pair's 0.4; added p99 0.8 over 0.4 and 0.2, 3.6 over 1.6
        assertThat(md).contains("| gRPC added p50 at 1,000/s | 2.00 | 4.00 | 1.50 |")
                .contains("| gRPC added p99 at 1,000/s | 2.00 | 4.00 | 2.25 |")
                .contains("| gRPC max calls/s | 1.50 | 0.75 | 0.75 |")
                .doesNotContain("gRPC: not measured");
    }

    @Test
    void aPhaseThatFailedForEveryTargetLeavesItsTablesEmptyAndItsRatiosNotApplicable() {
        // given a run whose gRPC phases failed everywhere (the notes say why)
        PeerResults results = run();
        results.notes.add("gRPC at 1000 calls/s against nginx failed: status UNAVAILABLE");

        String md = new PeerReport(PeersOptions.parse(new String[] {"--quick"}), results).markdown();

        assertThat(md).contains("| gRPC max calls/s | n/a | n/a | n/a |")
                .contains("- gRPC at 1000 calls/s against nginx failed: status UNAVAILABLE");
    }

    @Test
    void theMtlsPairIsARowOfTheTablesAndWhatItCostsTheLastColumnOfTheRatios() {
        // given a run in which the mTLS pair served 16,000 requests/s against the plaintext pair's 20,000
        PeerResults results = run();

        String md = new PeerReport(PeersOptions.parse(new String[] {"--quick"}), results).markdown();

        assertThat(md).contains("| weft x2 mTLS | 16,000 | 0.32 | 0.32 |  |")
                .contains("| weft x2 mTLS | 0.0250 | 0.125 | 60.0 | 70.0 |")
                .contains("| figure | weft / nginx | weft / haproxy | weft x2 mTLS / weft x2 |")
                .contains("| max requests/s on one core | 0.80 | 0.80 | 0.80 |")
                .contains("`weft x2 mTLS` two more chained with SPIFFE mTLS between them");
    }

    @Test
    void theLatencyTargetIsJudgedOnTheMedianOfTheInterleavedRounds() {
        // given a single run in which weft's p99 happened to be above HAProxy's (0.5 in run(): equal; made worse),
        PeerResults results = run();
        results.headline.get(1_000).put(Target.WEFT, new Latency(1_000, 1_000, 0.2, 0.9, 1.0, 6_000, 0));
        // and three rounds: direct 0.30 0.50 0.40; haproxy adds 0.20 0.10 0.30 (median 0.20); weft 0.15 0.40 0.10
        // (median 0.15), no worse than HAProxy in rounds 1 and 3
        double[][] p99 = {{0.30, 0.50, 0.40}, {0.50, 0.60, 0.70}, {0.45, 0.90, 0.50}};
        String[] names = {Target.DIRECT, Target.HAPROXY, Target.WEFT};
        for (int round = 0; round < 3; round++) {
            for (int t = 0; t < names.length; t++) {
                results.addRound(names[t], new Latency(1_000, 1_000, 0.2, p99[t][round], 1.0, 4_000, 0));
            }
        }

        String md = new PeerReport(PeersOptions.parse(new String[] {"--quick"}), results).markdown();

        // then the rounds have their table, and the verdict follows the medians, not the single run
        assertThat(md).contains("### p99 at 1,000/s in 3 interleaved rounds")
                .contains("| target | round 1 | round 2 | round 3 | median added p99 |")
                .contains("| direct | 0.300 | 0.500 | 0.400 |  |")
                .contains("| haproxy | 0.500 | 0.600 | 0.700 | +0.200 |")
                .contains("| weft | 0.450 | 0.900 | 0.500 | +0.150 |")
                .contains("| one hop: added p99 at 1,000/s no worse than HAProxy's | median of 3 interleaved rounds: "
                        + "weft +0.150 ms, haproxy +0.200 ms (weft no worse in 2 of 3 rounds; single run above: "
                        + "weft +0.400 ms, haproxy +0.000 ms) | met |");
    }

    @Test
    void aRoundThatFellBehindLeavesTheMedianOut() {
        PeerResults results = run();
        results.addRound(Target.DIRECT, new Latency(1_000, 1_000, 0.2, 0.3, 1.0, 4_000, 0));
        results.addRound(Target.WEFT, new Latency(1_000, 500, 0.2, 0.4, 1.0, 2_000, 0));

        assertThat(results.medianAddedP99(Target.WEFT)).isNaN();
        assertThat(results.medianAddedP99(Target.HAPROXY)).isNaN();
    }

    /** A run with every phase but gRPC filled: the same figures for every target. */
    private static PeerResults run() {
        PeerResults results = new PeerResults();
        Latency latency = new Latency(1_000, 1_000, 0.2, 0.5, 1.0, 6_000, 0);
        for (int rate : PeersOptions.HEADLINE_RATES) {
            results.headline.put(rate, byTarget(latency, latency, latency, latency, latency, latency));
        }
        for (String name : List.of(Target.DIRECT, Target.NGINX, Target.HAPROXY, Target.WEFT)) {
            results.addCurvePoint(name, latency);
        }
        results.throughput.putAll(byTarget(new LoadTools.WrkResult(50_000, ""), new LoadTools.WrkResult(50_000, ""),
                new LoadTools.WrkResult(50_000, ""), new LoadTools.WrkResult(40_000, ""),
                new LoadTools.WrkResult(20_000, ""), new LoadTools.WrkResult(16_000, "")));
        Resources resources = new Resources(5_000, 5_000, 1.0, 8.0, 40_000, 60.0, 70.0);
        results.resources.put(Target.NGINX, resources);
        results.resources.put(Target.HAPROXY, resources);
        results.resources.put(Target.WEFT, resources);
        results.resources.put(Target.WEFT_TWO_HOPS, resources);
        results.resources.put(Target.WEFT_TWO_HOPS_MTLS, resources);
        LoadTools.H2Result h2 = new LoadTools.H2Result(40_000, 30_000, 0, 2.0, 9.0);
        results.h2.putAll(byTarget(h2, h2, h2, h2, h2, h2));
        Histogram delays = new Histogram(60_000_000L, 3);
        delays.recordValue(100);
        SseProbe.SseResult sse = new SseProbe.SseResult(delays, 1);
        results.sse.putAll(byTarget(sse, sse, sse, sse, sse, sse));
        results.gc = new GcLog.Pauses(3, 0.2, 0);
        results.machine = new Machine(2, "a CPU", "6.1", "4.0 GiB", "java 25", "-XX:+UseZGC", List.of("nginx 1.22"));
        results.elapsed = Duration.ofMinutes(5);
        results.loadAverageAtStart = "0.10";
        results.loadAverageAtEnd = "1.50";
        return results;
    }

    /** direct, nginx, haproxy, weft, weft x2, weft x2 mTLS in the order of the tables. */
    private static <T> Map<String, T> byTarget(T direct, T nginx, T haproxy, T weft, T weftTwoHops, T mtls) {
        Map<String, T> row = new LinkedHashMap<>();
        row.put(Target.DIRECT, direct);
        row.put(Target.NGINX, nginx);
        row.put(Target.HAPROXY, haproxy);
        row.put(Target.WEFT, weft);
        row.put(Target.WEFT_TWO_HOPS, weftTwoHops);
        row.put(Target.WEFT_TWO_HOPS_MTLS, mtls);
        return row;
    }
}
