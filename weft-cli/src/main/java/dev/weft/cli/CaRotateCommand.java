package dev.weft.cli;

import dev.weft.controlplane.client.CaStatus;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.RotationStep;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code weft ca rotate add|activate|remove-old}: one step of a root rotation, through the API. */
@Command(name = "rotate", mixinStandardHelpOptions = true,
        description = {"Run one root rotation step: add (a new root joins the trust bundle the proxies get), "
                + "activate (workload certificates are issued from it, the control plane's own too), remove-old (the "
                + "old roots leave the bundle and their keys are deleted).",
            "Between activate and remove-old wait one SVID lifetime, so every certificate of the old root was "
                    + "renewed."})
final class CaRotateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "STEP", description = "add, activate or remove-old")
    private String step;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RotationStep rotation = RotationStep.fromWireName(step).orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "STEP: '" + step + "' (expected: add, activate or remove-old)"));
        ControlPlaneClient client = server.client();
        CaStatus status;
        try {
            status = client.rotate(rotation);
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft ca rotate: " + server.describe(e));
            return 1;
        }
        spec.commandLine().getOut().println("root rotation step " + rotation + " done; the trust bundle holds "
                + status.roots().size() + (status.roots().size() == 1 ? " root" : " roots"));
        spec.commandLine().getOut().println();
        CaStatusCommand.print(spec.commandLine().getOut(), status);
        return 0;
    }
}
