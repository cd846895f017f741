/* NetBSD's viornd (virtio-rng) feeds AdrOS's entropy pool as well as
 * NetBSD's.
 *
 * viornd hands what the device gave it to rnd_add_data(), crediting every
 * bit.  The build links a copy of librumpdev_virtio_viornd.a whose calls to
 * rnd_add_data are renamed to adros_viornd_rnd_add_data (mk/rump.mk,
 * objcopy --redefine-sym), so every call arriving here carries viornd's
 * data only: it goes into AdrOS's pool with the same credit, then on to
 * NetBSD's rnd_add_data unchanged.  NetBSD's code itself is unchanged.
 *
 * Context: a rump kernel thread (viornd's virtqueue completion, in the PCI
 * interrupt thread), holding a rump CPU; entropy_add_bytes() never blocks. */
#ifdef ADROS_RUMP_VIRTIO_VIORND
#include <adros/entropy.h>
#include <adros/kprintf.h>

void rumpns_rnd_add_data(void *rs, const void *data, uint32_t len, uint32_t entropy);
void adros_viornd_rnd_add_data(void *rs, const void *data, uint32_t len, uint32_t entropy);

static bool logged; /* the first delivery (viornd asks the device once at attach) */

void adros_viornd_rnd_add_data(void *rs, const void *data, uint32_t len, uint32_t entropy)
{
    entropy_add_bytes(data, len, entropy);
    if (!logged) {
        logged = true;
        kprintf("entropy: viornd: %u bytes from virtio-rng, %u bits credited (%u in the pool)\n", len, entropy,
                entropy_estimate_bits());
    }
    rumpns_rnd_add_data(rs, data, len, entropy);
}
#endif
