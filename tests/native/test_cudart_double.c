/*
 * test_cudart_double.c: the CUDA runtime test double does what the device tests rely on. It is
 * loaded here as the shim loads it (dlopen of argv[1]), without MPI.
 *
 *   - "device" allocations are poisoned, told apart from host memory by
 *     cudaPointerGetAttributes, and checked when freed: double free, unknown and interior
 *     pointers, the wrong free function, writes past the end are all reported as misuse;
 *   - copies wait for their stream's synchronisation, and are recorded with their stream;
 *   - copies whose "device" side is not device memory, and unknown streams, are misuse;
 *   - injected failures fire once, after the given number of successful calls.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_runtime_abi.h"
#include "cudart_double.h"
#include "test_support.h"

typedef struct double_api {
    int (*malloc_device)(void**, size_t);
    int (*free_device)(void*);
    int (*host_alloc)(void**, size_t, unsigned int);
    int (*free_host)(void*);
    int (*memcpy_async)(void*, const void*, size_t, int, void*);
    int (*stream_synchronize)(void*);
    int (*stream_create)(void**);
    int (*stream_destroy)(void*);
    int (*pointer_get_attributes)(mlxmpi_cuda_pointer_attributes*, const void*);
    int (*set_device)(int);
    int (*get_device_count)(int*);
    cudart_double_copy_count_fn copy_count;
    cudart_double_copy_record_fn copy_record;
    cudart_double_misuse_count_fn misuse_count;
    cudart_double_pending_copies_fn pending_copies;
    cudart_double_live_allocations_fn live_allocations;
    cudart_double_fail_after_fn fail_copy_after;
    cudart_double_fail_after_fn fail_alloc_after;
} double_api;

#define RESOLVE(library, pointer, symbol)                          \
    do {                                                           \
        void* address_ = dlsym((library), (symbol));               \
        CHECK(address_ != NULL, "%s is not exported", (symbol));   \
        memcpy(&(pointer), &address_, sizeof address_);            \
    } while (0)

/* Runs `call`, which must be reported as exactly one misuse and fail. */
#define EXPECT_MISUSE(api, call)                                                              \
    do {                                                                                      \
        int64_t before_ = (api).misuse_count();                                               \
        int rc_ = (call);                                                                     \
        CHECK(rc_ != 0, "%s succeeded", #call);                                               \
        CHECK((api).misuse_count() == before_ + 1, "%s: %lld misuses reported, expected 1",   \
              #call, (long long)((api).misuse_count() - before_));                            \
    } while (0)

static int memory_type(const double_api* api, const void* pointer) {
    mlxmpi_cuda_pointer_attributes attributes;
    memset(&attributes, 0, sizeof attributes);
    CHECK(api->pointer_get_attributes(&attributes, pointer) == 0, "attributes of %p", pointer);
    return attributes.type;
}

static void check_allocations(const double_api* api) {
    unsigned char* device = NULL;
    unsigned char* pinned = NULL;
    int on_stack = 0;
    CHECK(api->malloc_device((void**)&device, 100) == 0 && device != NULL, "cudaMalloc");
    CHECK(api->host_alloc((void**)&pinned, 100, 0) == 0 && pinned != NULL, "cudaHostAlloc");
    test_expect_poison(device, 100, "new device memory", __FILE__, __LINE__);
    CHECK(memory_type(api, device) == MLXMPI_CUDA_MEMORY_DEVICE, "device memory type");
    CHECK(memory_type(api, device + 99) == MLXMPI_CUDA_MEMORY_DEVICE, "interior pointer type");
    CHECK(memory_type(api, device + 100) != MLXMPI_CUDA_MEMORY_DEVICE,
          "the byte past the allocation is device memory");
    CHECK(memory_type(api, pinned) == MLXMPI_CUDA_MEMORY_HOST, "pinned memory type");
    CHECK(memory_type(api, &on_stack) == MLXMPI_CUDA_MEMORY_UNREGISTERED, "stack memory type");
    CHECK(api->live_allocations(0) == 1 && api->live_allocations(1) == 1, "live allocations");

    EXPECT_MISUSE(*api, api->free_host(device));
    EXPECT_MISUSE(*api, api->free_device(pinned));
    EXPECT_MISUSE(*api, api->free_device(device + 1));
    EXPECT_MISUSE(*api, api->free_device(&on_stack));
    device[100] = 0; /* one byte past the end, into the guard */
    int64_t before = api->misuse_count();
    CHECK(api->free_device(device) == 0, "cudaFree");
    CHECK(api->misuse_count() == before + 1, "an overrun went unreported");
    EXPECT_MISUSE(*api, api->free_device(device)); /* twice */
    CHECK(api->free_host(pinned) == 0, "cudaFreeHost");
    CHECK(api->free_device(NULL) == 0 && api->free_host(NULL) == 0, "freeing NULL");
    CHECK(api->live_allocations(0) == 0 && api->live_allocations(1) == 0, "leaked allocations");
}

static void check_copies(const double_api* api) {
    unsigned char source[64];
    unsigned char back[64];
    unsigned char* device = NULL;
    void* stream = NULL;
    void* other = NULL;
    test_fill(source, sizeof source, 1, 2, 3, 4);
    CHECK(api->malloc_device((void**)&device, sizeof source) == 0, "cudaMalloc");
    CHECK(api->stream_create(&stream) == 0 && api->stream_create(&other) == 0, "streams");

    int64_t first = api->copy_count();
    CHECK(api->memcpy_async(device, source, sizeof source, 1, stream) == 0, "host to device");
    test_expect_poison(device, sizeof source, "before the stream's sync", __FILE__, __LINE__);
    CHECK(api->stream_synchronize(other) == 0, "sync of another stream");
    test_expect_poison(device, sizeof source, "after another stream's sync", __FILE__, __LINE__);
    CHECK(api->pending_copies() == 1, "%lld pending", (long long)api->pending_copies());
    CHECK(api->stream_synchronize(stream) == 0, "sync");
    CHECK_BYTES(device, source, sizeof source, "after the sync");

    memset(back, 0, sizeof back);
    CHECK(api->memcpy_async(back, device, sizeof back, 2, other) == 0, "device to host");
    CHECK(api->stream_synchronize(NULL) == 0, "sync of the default stream");
    CHECK_BYTES(back, source, sizeof back, "after the default stream's sync");

    cudart_double_copy record;
    CHECK(api->copy_record(first, &record) == 1 && record.stream == stream && record.kind == 1 &&
              record.bytes == (int64_t)sizeof source && record.memory_device == 0 &&
              record.host_pinned == 0,
          "first copy's record");
    CHECK(api->copy_record(first + 1, &record) == 1 && record.stream == other && record.kind == 2,
          "second copy's record");
    CHECK(api->copy_record(first + 2, &record) == 0, "a record of a copy never made");

    EXPECT_MISUSE(*api, api->memcpy_async(back, source, 8, 1, stream));   /* dst is host */
    EXPECT_MISUSE(*api, api->memcpy_async(device, device, 8, 1, stream)); /* src is device */
    EXPECT_MISUSE(*api, api->memcpy_async(device, source, 65, 1, stream)); /* past the end */
    EXPECT_MISUSE(*api, api->memcpy_async(device, source, 8, 1, (void*)back));
    EXPECT_MISUSE(*api, api->stream_synchronize((void*)back));

    api->fail_copy_after(1);
    CHECK(api->memcpy_async(device, source, 8, 1, stream) == 0, "the copy before the failure");
    CHECK(api->memcpy_async(device, source, 8, 1, stream) == 700, "the injected failure");
    CHECK(api->memcpy_async(device, source, 8, 1, stream) == 0, "the copy after the failure");
    api->fail_alloc_after(0);
    void* failed = &first;
    CHECK(api->malloc_device(&failed, 8) == MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION && failed == NULL,
          "the injected allocation failure");

    CHECK(api->stream_destroy(stream) == 0 && api->stream_destroy(other) == 0, "destroy");
    CHECK(api->pending_copies() == 0, "destroying a stream dropped its copies");
    CHECK(api->free_device(device) == 0, "cudaFree");
    int count = 0;
    CHECK(api->get_device_count(&count) == 0 && count == 1, "device count %d", count);
    CHECK(api->set_device(1) != 0, "cudaSetDevice(1) with one device");
}

int main(int argc, char** argv) {
    test_set_rank(0);
    if (argc < 2) {
        printf("usage: test_cudart_double path/to/libcudart_double.so\n");
        return 2;
    }
    void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        printf("FAIL dlopen(%s): %s\n", argv[1], dlerror());
        return 1;
    }
    double_api api;
    RESOLVE(library, api.malloc_device, "cudaMalloc");
    RESOLVE(library, api.free_device, "cudaFree");
    RESOLVE(library, api.host_alloc, "cudaHostAlloc");
    RESOLVE(library, api.free_host, "cudaFreeHost");
    RESOLVE(library, api.memcpy_async, "cudaMemcpyAsync");
    RESOLVE(library, api.stream_synchronize, "cudaStreamSynchronize");
    RESOLVE(library, api.stream_create, "cudaStreamCreate");
    RESOLVE(library, api.stream_destroy, "cudaStreamDestroy");
    RESOLVE(library, api.pointer_get_attributes, "cudaPointerGetAttributes");
    RESOLVE(library, api.set_device, "cudaSetDevice");
    RESOLVE(library, api.get_device_count, "cudaGetDeviceCount");
    RESOLVE(library, api.copy_count, "cudart_double_copy_count");
    RESOLVE(library, api.copy_record, "cudart_double_copy_record");
    RESOLVE(library, api.misuse_count, "cudart_double_misuse_count");
    RESOLVE(library, api.pending_copies, "cudart_double_pending_copies");
    RESOLVE(library, api.live_allocations, "cudart_double_live_allocations");
    RESOLVE(library, api.fail_copy_after, "cudart_double_fail_copy_after");
    RESOLVE(library, api.fail_alloc_after, "cudart_double_fail_alloc_after");
    if (test_failure_count() > 0) {
        return test_finish("test_cudart_double");
    }
    check_allocations(&api);
    check_copies(&api);
    dlclose(library);
    return test_finish("test_cudart_double");
}
