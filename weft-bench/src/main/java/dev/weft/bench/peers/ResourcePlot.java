package dev.weft.bench.peers;

import dev.weft.bench.peers.PeerResults.Resources;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The CPU and memory PNG: two bar charts side by side, CPU seconds per 1k requests and RSS under load. */
final class ResourcePlot {

    private ResourcePlot() {
    }

    static void write(PeerResults results, Path file) throws IOException {
        BufferedImage image = Charts.canvas();
        Graphics2D g = Charts.graphics(image, String.format(Locale.ROOT,
                "CPU and memory of each proxy at %,d requests/s", PeersOptions.CPU_RATE));
        List<String> targets = List.copyOf(results.resources.keySet());
        int panelWidth = (Charts.WIDTH - Charts.LEFT - 40) / 2;
        bars(g, results, targets, Charts.LEFT, panelWidth, "CPU s per 1k requests", Resources::cpuPerThousand, "%.4f");
        bars(g, results, targets, Charts.LEFT + panelWidth + 40, panelWidth, "RSS under load (MiB)",
                Resources::rssLoadMiB, "%.1f");
        g.dispose();
        Charts.write(image, file);
    }

    private static void bars(Graphics2D g, PeerResults results, List<String> targets, int left, int width,
                             String title, ToDoubleFunction<Resources> value, String format) {
        int bottom = Charts.HEIGHT - Charts.BOTTOM;
        int height = bottom - Charts.TOP - 20;
        double max = targets.stream().mapToDouble(t -> value.applyAsDouble(results.resources.get(t))).max().orElse(1);
        g.setColor(Color.BLACK);
        g.drawString(title, left, Charts.TOP + 5);
        g.drawLine(left, bottom, left + width, bottom);
        int slot = width / targets.size();
        for (int i = 0; i < targets.size(); i++) {
            String target = targets.get(i);
            double v = value.applyAsDouble(results.resources.get(target));
            int barHeight = max <= 0 ? 0 : (int) (v / max * (height - 20));
            int x = left + i * slot + slot / 6;
            g.setColor(Charts.colour(target));
            g.fillRect(x, bottom - barHeight, slot * 2 / 3, barHeight);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, format, v), x, bottom - barHeight - 5);
            g.drawString(target, x, bottom + 18);
        }
    }
}
