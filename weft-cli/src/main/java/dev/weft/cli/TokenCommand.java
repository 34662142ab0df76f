package dev.weft.cli;

import picocli.CommandLine.Command;

/** {@code weft token}: the join tokens with which workloads get their first certificate from the control plane. */
@Command(name = "token", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Manage join tokens: one-time secrets with which a workload proves its identity (namespace "
                + "and service account) to the control plane's CA to get its first certificate.",
        subcommands = TokenCreateCommand.class)
final class TokenCommand {
}
