package dev.weft.bench.peers;

import dev.weft.bench.peers.PeerResults.Latency;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The latency-against-load PNG: p99 (log scale) against offered requests/s (log scale), one line per target. */
final class LatencyPlot {

    private LatencyPlot() {
    }

    static void write(PeerResults results, Path file) throws IOException {
        BufferedImage image = Charts.canvas();
        Graphics2D g = Charts.graphics(image, "p99 latency against offered load (HTTP/1.1, 16 connections, open loop)");
        double minRate = Double.MAX_VALUE;
        double maxRate = 0;
        double minP99 = Double.MAX_VALUE;
        double maxP99 = 0;
        for (List<Latency> points : results.curve.values()) {
            for (Latency l : points) {
                minRate = Math.min(minRate, l.rate());
                maxRate = Math.max(maxRate, l.rate());
                minP99 = Math.min(minP99, Math.max(l.p99(), 0.001));
                maxP99 = Math.max(maxP99, l.p99());
            }
        }
        double x0 = Math.log10(minRate) - 0.05;
        double x1 = Math.log10(maxRate) + 0.05;
        double y0 = Math.floor(Math.log10(minP99));
        double y1 = Math.ceil(Math.log10(maxP99));
        if (y1 <= y0) {
            y1 = y0 + 1;
        }
        Scale scale = new Scale(x0, x1, y0, y1);

        for (int decade = (int) y0; decade <= (int) y1; decade++) {
            int y = scale.y(decade);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(Charts.LEFT, y, Charts.WIDTH - Charts.RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(formatMillis(Math.pow(10, decade)), 10, y + 4);
        }
        Set<Integer> rates = new TreeSet<>();
        results.curve.values().forEach(points -> points.forEach(l -> rates.add(l.rate())));
        for (int rate : rates) {
            int x = scale.x(Math.log10(rate));
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(x, Charts.TOP, x, Charts.HEIGHT - Charts.BOTTOM);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%,d", rate), x - 15, Charts.HEIGHT - Charts.BOTTOM + 18);
        }
        g.drawString("offered requests/s (log)", Charts.LEFT + 250, Charts.HEIGHT - 15);
        g.drawString("p99 (log)", 10, Charts.TOP - 8);
        g.drawRect(Charts.LEFT, Charts.TOP, Charts.WIDTH - Charts.LEFT - Charts.RIGHT, Charts.HEIGHT - Charts.TOP - Charts.BOTTOM);

        for (Map.Entry<String, List<Latency>> curve : results.curve.entrySet()) {
            g.setColor(Charts.colour(curve.getKey()));
            g.setStroke(new BasicStroke(2.5f));
            int previousX = -1;
            int previousY = -1;
            for (Latency l : curve.getValue()) {
                int x = scale.x(Math.log10(l.rate()));
                int y = scale.y(Math.log10(Math.max(l.p99(), 0.001)));
                if (previousX >= 0) {
                    g.drawLine(previousX, previousY, x, y);
                }
                if (l.keptUp()) {
                    g.fillOval(x - 4, y - 4, 8, 8);
                } else {
                    g.drawLine(x - 5, y - 5, x + 5, y + 5); // a cross: the target could not keep up
                    g.drawLine(x - 5, y + 5, x + 5, y - 5);
                }
                previousX = x;
                previousY = y;
            }
        }
        Charts.legend(g, List.copyOf(results.curve.keySet()));
        g.setColor(Color.DARK_GRAY);
        g.drawString("x = could not keep up", Charts.WIDTH - Charts.RIGHT + 20, Charts.TOP + 22 * results.curve.size() + 20);
        g.dispose();
        Charts.write(image, file);
    }

    private static String formatMillis(double millis) {
        return millis >= 1 ? String.format(Locale.ROOT, "%.0f ms", millis) : String.format(Locale.ROOT, "%s ms",
                Double.toString(millis).replaceAll("0+$", ""));
    }

    /** Maps log10 values onto the plot area. */
    private record Scale(double x0, double x1, double y0, double y1) {

        int x(double logRate) {
            return Charts.LEFT + (int) ((logRate - x0) / (x1 - x0) * (Charts.WIDTH - Charts.LEFT - Charts.RIGHT));
        }

        int y(double logMillis) {
            return Charts.HEIGHT - Charts.BOTTOM
                    - (int) ((logMillis - y0) / (y1 - y0) * (Charts.HEIGHT - Charts.TOP - Charts.BOTTOM));
        }
    }
}
