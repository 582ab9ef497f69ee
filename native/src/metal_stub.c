/*
 * metal_stub.c: the Metal hooks where Metal does not exist (every platform but macOS; CMake
 * picks metal_hooks.c on Apple). Loading always fails, so no other hook is ever called.
 */
#include "device.h"

static int32_t load(const char* function) {
    return mlxmpi_internal_fail(MLXMPI_STATUS_DEVICE_UNAVAILABLE,
                                "%s: Metal is only available in macOS builds of the shim (this "
                                "one was built without the Metal hooks)",
                                function);
}

static const mlxmpi_device_hooks k_metal_stub = {
    .name = "Metal",
    .load = load,
};

const mlxmpi_device_hooks* mlxmpi_internal_metal_hooks(void) {
    return &k_metal_stub;
}
