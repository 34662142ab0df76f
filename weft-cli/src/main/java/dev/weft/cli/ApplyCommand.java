package dev.weft.cli;

import dev.weft.api.ResourceException;
import dev.weft.api.ResourceLoader;
import dev.weft.api.ResourceSet;
import dev.weft.controlplane.client.ApplyResponse;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weft apply -f FILE|DIR}: sends resources to the control plane, all of them or none. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Apply resources (HTTPRoute, GRPCRoute, DestinationPolicy, MeshConfig, Service, ServiceInstance, "
                + "AuthorizationPolicy) from YAML files or directories: all of them, or none when one is invalid.")
final class ApplyCommand implements Callable<Integer> {
    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|DIR",
            description = "A YAML file (several documents allowed) or a directory of them; repeatable.")
    private List<Path> files;

    @Option(names = {"-R", "--recursive"}, description = "Also read the directories' subdirectories.")
    private boolean recursive;

    @Option(names = "--dry-run", description = "Check and print what would change, without changing anything.")
    private boolean dryRun;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ResourceSet resources;
        try {
            // checked here first, so an error names the file and line; the server checks again against its state
            resources = new ResourceLoader().recursive(recursive).load(files);
        } catch (ResourceException e) {
            err.println("weft apply: nothing applied: " + e.getMessage());
            return 2;
        }
        if (resources.isEmpty()) {
            err.println("weft apply: no resources in " + files);
            return 2;
        }
        ControlPlaneClient client = server.client();
        ApplyResponse response;
        try {
            response = client.apply(resources.resources(), dryRun);
        } catch (IOException e) {
            err.println("weft apply: nothing applied: " + server.describe(e));
            return 1;
        }
        for (ApplyResponse.Change change : response.changes()) {
            out.println(Clients.name(change.kind(), change.namespace(), change.name()) + " " + change.action()
                    + (response.dryRun() ? " (dry run)" : ""));
        }
        return 0;
    }
}
