package dev.fuseoverlay.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LayerOptionsTest {
    /** explain's paths are merged paths: ".." stops at the merged root, never leads beside a layer. */
    @Test
    void mergedPathsStayInsideTheMergedRoot() {
        assertEquals("/etc/hostname", LayerOptions.mergedPath("/../../../../etc/hostname"));
        assertEquals("/etc", LayerOptions.mergedPath("etc/"));
        assertEquals("/a/c", LayerOptions.mergedPath("//a/./b/../c//"));
        assertEquals("/", LayerOptions.mergedPath("/.."));
        assertEquals("/", LayerOptions.mergedPath("/"));
        assertEquals("/...", LayerOptions.mergedPath("/..."));
    }
}
