package dev.weft.cli;

import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ProxyInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weft proxy-status}: every proxy connected to the control plane and how in sync it is, per xDS type. */
@Command(name = "proxy-status", mixinStandardHelpOptions = true,
        description = "List the proxies connected to the control plane and, per xDS type, whether they run the "
                + "latest config: SYNCED (acknowledged), STALE (sent, not acknowledged, or rejected), NOT SENT.")
final class ProxyStatusCommand implements Callable<Integer> {
    private static final List<String> TYPES = List.of("CDS", "LDS", "EDS", "RDS", "SDS");

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ControlPlaneClient client = server.client();
        List<ProxyInfo> proxies;
        try {
            proxies = client.proxies();
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft proxy-status: " + server.describe(e));
            return 1;
        }
        if (proxies.isEmpty()) {
            out.println("No proxies connected.");
            return 0;
        }
        Table table = new Table("NAME", "SERVICE", "CDS", "LDS", "EDS", "RDS", "SDS");
        StringBuilder errors = new StringBuilder();
        for (ProxyInfo p : proxies) {
            String[] row = new String[2 + TYPES.size()];
            row[0] = p.id();
            row[1] = p.service() == null ? "(proxyless)" : p.service() + "." + p.namespace();
            for (int i = 0; i < TYPES.size(); i++) {
                ProxyInfo.TypeSync sync = p.types().get(TYPES.get(i));
                // SDS is listed only for a proxy that asked for secrets (a sidecar with an identity)
                row[2 + i] = sync == null ? (TYPES.get(i).equals("SDS") ? "-" : "NOT SENT")
                        : sync.status().replace('_', ' ');
                if (sync != null && sync.error() != null) {
                    errors.append(p.id()).append(' ').append(TYPES.get(i)).append(" rejected: ")
                            .append(sync.error()).append(System.lineSeparator());
                }
            }
            table.row(row);
        }
        table.print(out);
        if (errors.length() > 0) {
            out.println();
            out.print(errors);
        }
        return 0;
    }
}
