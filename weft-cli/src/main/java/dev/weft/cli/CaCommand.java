package dev.weft.cli;

import picocli.CommandLine.Command;

/** {@code weft ca}: the control plane's certificate authority: its state and the steps of a root rotation. */
@Command(name = "ca", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Inspect the mesh's certificate authority and rotate its root in three steps: add (the new "
                + "root joins the trust bundle), activate (it issues), remove-old (the old root leaves the bundle).",
        subcommands = {CaStatusCommand.class, CaRotateCommand.class})
final class CaCommand {
}
