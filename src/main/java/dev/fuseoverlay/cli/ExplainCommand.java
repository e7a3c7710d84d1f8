package dev.fuseoverlay.cli;

import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.study.Explain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "explain", description = "Which layer serves a merged path and why, layer by layer (no mount needed).")
final class ExplainCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    HelpOption help;

    @Mixin
    LayerOptions layers;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "merged paths, e.g. /etc/nginx/nginx.conf")
    java.util.List<String> paths;

    @Override
    public Integer call() {
        Overlay ov = layers.overlay();
        Explain ex = new Explain(ov, layers.fs);
        for (String p : paths) {
            ex.lines(LayerOptions.mergedPath(p)).forEach(System.out::println);
        }
        return 0;
    }
}
