package dev.weft.bench.peers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Java2D drawing shared by the benchmark's PNG plots: canvas, colours per target, axes text. */
final class Charts {

    static final int WIDTH = 900;
    static final int HEIGHT = 540;
    static final int LEFT = 80;
    static final int RIGHT = 170;
    static final int TOP = 50;
    static final int BOTTOM = 60;

    private static final Map<String, Color> COLOURS = Map.of(
            Target.DIRECT, new Color(0x55, 0x55, 0x55),
            Target.NGINX, new Color(0x00, 0x96, 0x39),
            Target.HAPROXY, new Color(0x1f, 0x6f, 0xc5),
            Target.WEFT, new Color(0xd9, 0x48, 0x1c),
            Target.WEFT_TWO_HOPS, new Color(0xf0, 0x9a, 0x3e),
            Target.WEFT_TWO_HOPS_MTLS, new Color(0x8c, 0x2d, 0x04));

    private Charts() {
    }

    static BufferedImage canvas() {
        // headless: no display is needed to draw into an image
        System.setProperty("java.awt.headless", "true");
        return new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    }

    static Graphics2D graphics(BufferedImage image, String title) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return g;
    }

    static Color colour(String target) {
        return COLOURS.getOrDefault(target, Color.BLACK);
    }

    static void legend(Graphics2D g, List<String> targets) {
        int y = TOP + 10;
        for (String target : targets) {
            g.setColor(colour(target));
            g.setStroke(new BasicStroke(3f));
            g.drawLine(WIDTH - RIGHT + 20, y, WIDTH - RIGHT + 45, y);
            g.setColor(Color.BLACK);
            g.drawString(target, WIDTH - RIGHT + 52, y + 4);
            y += 22;
        }
    }

    static void write(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
    }
}
