package dev.weft.cli;

import dev.weft.controlplane.client.CaStatus;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.testkit.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weft ca status}: the trust domain, the roots of the trust bundle, the issuers and the next rotation step. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the CA: trust domain, SVID lifetime, the roots workloads trust (active, pending or old), "
                + "the issuing certificate, and the next root rotation step.")
final class CaStatusCommand implements Callable<Integer> {

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ControlPlaneClient client = server.client();
        CaStatus status;
        try {
            status = client.caStatus();
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft ca status: " + server.describe(e));
            return 1;
        }
        print(spec.commandLine().getOut(), status);
        return 0;
    }

    /** The status as {@code weft ca status} and {@code weft ca rotate} print it. */
    static void print(PrintWriter out, CaStatus status) {
        out.println("Trust domain:   " + status.trustDomain());
        out.println("SVID lifetime:  " + Durations.format(status.svidLifetime()));
        out.println("Active issuer:  " + issuer(status.activeIssuer()));
        out.println("Pending issuer: " + (status.pendingIssuer() == null ? "none" : issuer(status.pendingIssuer())));
        out.println();
        Table roots = new Table("ROOT (SHA-256)", "STATE", "NOT AFTER", "SUBJECT");
        for (CaStatus.Root root : status.roots()) {
            roots.row(root.sha256(), root.state(), root.notAfter().toString(), root.subject());
        }
        roots.print(out);
        out.println();
        out.println("Next rotation step: weft ca rotate " + status.nextStep() + " (" + explain(status.nextStep())
                + ")");
        out.flush();
    }

    private static String issuer(CaStatus.Issuer issuer) {
        return issuer.subject() + ", not after " + issuer.notAfter() + ", root " + shortFingerprint(
                issuer.rootSha256());
    }

    /** The first four bytes of a fingerprint, enough to tell the roots of the table apart. */
    private static String shortFingerprint(String sha256) {
        return sha256.length() > 11 ? sha256.substring(0, 11) + "..." : sha256;
    }

    private static String explain(String step) {
        return switch (step) {
            case "add" -> "a new root joins the trust bundle; the current one keeps issuing";
            case "activate" -> "the new root issues, once every proxy has the new bundle";
            case "remove-old" -> "the old roots leave the bundle, once every SVID they issued was renewed: one SVID "
                    + "lifetime after activation";
            default -> step;
        };
    }
}
