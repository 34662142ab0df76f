package dev.weft.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code weft} command: one entry point for the control plane, the proxy, the mesh tools, the model-server simulator,
 * the demo and load. */
@Command(name = "weft",
        mixinStandardHelpOptions = true,
        version = "weft 0.1.0",
        description = "Weft: a service mesh for AI model serving.",
        subcommands = {DemoCommand.class, ControlPlaneCommand.class, ProxyCommand.class, ApplyCommand.class,
            GetCommand.class, DeleteCommand.class, RegisterCommand.class, DeregisterCommand.class,
            ProxyStatusCommand.class, StatCommand.class, ProxyConfigCommand.class, TapCommand.class, TokenCommand.class, CaCommand.class, ModelServerCommand.class, LoadCommand.class})
public final class Weft implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo") && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            // the demo prints its own report every second; the components' logs would bury it
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured picocli command line, shared by main and tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new Weft())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((ex, cl, parse) -> {
                    cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
                    return 1;
                });
    }
}
