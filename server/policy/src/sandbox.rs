//! The wasmtime sandbox: engine settings, the allowed imports, module checks, one invocation.

use std::sync::{Condvar, Mutex};

use tessera_plugin_sdk::abi::{ALLOC_EXPORT, DECIDE_EXPORT, MARKER_EXPORT, MARKER_PREFIX};
use wasmtime::{
    Caller, Config, Enabled, Engine, ExternType, InstanceAllocationStrategy, InstancePre, Linker, Module, ModuleExport,
    PoolingAllocationConfig, ResourceLimiter, Store, Trap, TypedFunc, ValType,
};

use crate::error::Cause;

/// Limits applied to every plugin invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (about one unit per wasm instruction) for one decision. Deterministic: the same
    /// input runs out at the same instruction on every machine.
    pub fuel: u64,
    /// Largest linear memory a plugin may have, in bytes.
    pub max_memory_bytes: usize,
    /// Largest table a plugin may have, in elements.
    pub max_table_elements: usize,
    /// Largest request (envelope JSON) sent to a plugin, in bytes.
    pub max_input_bytes: usize,
    /// Largest response accepted from a plugin, in bytes.
    pub max_output_bytes: usize,
    /// Decisions running at once; also the size of the pooling allocator's instance pool.
    pub max_concurrent: u32,
    /// Wasm stack, in bytes: deep recursion traps instead of taking the server's stack.
    pub max_wasm_stack: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // Real decisions use well under 1M; 20M stops a loop in a few milliseconds.
            fuel: 20_000_000,
            max_memory_bytes: 16 << 20,
            max_table_elements: 10_000,
            max_input_bytes: 256 << 10,
            max_output_bytes: 256 << 10,
            max_concurrent: 32,
            max_wasm_stack: 512 << 10,
        }
    }
}

/// Dirty memory (and table) per slot that is reset in place rather than given back to the
/// kernel: well above the working set of a decision, well below the memory limit.
const KEEP_RESIDENT_BYTES: usize = 1 << 20;

/// Bytes a plugin may write to stdout/stderr (a panic message); kept for the error detail.
const CAPTURED_OUTPUT_CAP: usize = 2048;

/// Per-invocation state: resource accounting and captured stderr.
pub(crate) struct Invocation {
    limiter: Limiter,
    captured: Vec<u8>,
}

/// Enforces the memory and table limits and remembers whether the plugin hit them.
struct Limiter {
    max_memory: usize,
    max_table: usize,
    peak_memory: usize,
    hit_limit: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_memory {
            self.hit_limit = true;
            // An error (not `Ok(false)`) traps the guest: a bomb that ignores a failed
            // memory.grow would otherwise spin until its fuel runs out.
            return Err(wasmtime::Error::msg(format!(
                "memory growth to {desired} bytes exceeds the limit of {} bytes",
                self.max_memory
            )));
        }
        self.peak_memory = self.peak_memory.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_table {
            self.hit_limit = true;
            return Err(wasmtime::Error::msg(format!(
                "table growth to {desired} elements exceeds the limit of {}",
                self.max_table
            )));
        }
        Ok(true)
    }
}

/// The only imports a plugin may have. Rust's std for wasm32-wasip1 links these four for its
/// panic machinery even when a plugin never uses them; each is stubbed so that it gives the
/// plugin nothing from the outside world: an empty environment, writes captured into a small
/// buffer, exit as a trap. Clocks, randomness, files and sockets are not offered at all, so a
/// module that imports them is refused at load time.
pub(crate) const ALLOWED_IMPORTS: [(&str, &str); 4] = [
    ("wasi_snapshot_preview1", "environ_get"),
    ("wasi_snapshot_preview1", "environ_sizes_get"),
    ("wasi_snapshot_preview1", "fd_write"),
    ("wasi_snapshot_preview1", "proc_exit"),
];

/// The engine, linker and the invocation gate shared by every plugin.
pub(crate) struct Sandbox {
    pub(crate) engine: Engine,
    linker: Linker<Invocation>,
    pub(crate) limits: Limits,
    gate: Gate,
}

/// A compiled, checked module ready to instantiate.
pub(crate) struct Prepared {
    pre: InstancePre<Invocation>,
    alloc: ModuleExport,
    decide: ModuleExport,
    memory: ModuleExport,
    initialize: Option<ModuleExport>,
}

/// What one invocation produced.
pub(crate) struct RunOutcome {
    pub(crate) response: Vec<u8>,
    pub(crate) fuel_used: u64,
    pub(crate) peak_memory: usize,
}

/// A failed invocation: the cause, a detail, and the peak memory seen (for the bench).
#[derive(Debug)]
pub(crate) struct RunFailure {
    pub(crate) cause: Cause,
    pub(crate) detail: String,
    pub(crate) peak_memory: usize,
}

impl Sandbox {
    pub(crate) fn new(limits: Limits) -> Result<Self, String> {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(limits.max_concurrent)
            .total_memories(limits.max_concurrent)
            .total_tables(limits.max_concurrent)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .max_memory_size(limits.max_memory_bytes)
            .table_elements(limits.max_table_elements);
        // By default a slot's memory is reset with `madvise`, so the next decision page-faults
        // every page it touches back in. Where the kernel can tell which pages were written
        // (PAGEMAP_SCAN, Linux 6.7+), reset just those pages in place from the module's image
        // (or to zero) and keep them resident: the slot is exactly as pristine, without the
        // faults. Without PAGEMAP_SCAN, keeping memory resident would mean `memset`ting its
        // low addresses on every reset, which costs more than it saves, so it stays off.
        if PoolingAllocationConfig::is_pagemap_scan_available() {
            pool.pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(KEEP_RESIDENT_BYTES.min(limits.max_memory_bytes))
                .table_keep_resident(KEEP_RESIDENT_BYTES);
        }
        let mut config = Config::new();
        config
            .consume_fuel(true)
            // Same float results on every machine: part of "same input, same decision".
            .cranelift_nan_canonicalization(true)
            .max_wasm_stack(limits.max_wasm_stack)
            // Every plugin's allocator grows memory on its first allocation. With guard pages
            // (bounds enforced by faults), that growth is an `mprotect` and the next
            // instantiation in the slot shrinks it back with another one (and a TLB flush): two
            // system calls, about 4 us of a decision. Bounds checked in the compiled code
            // instead let a slot stay read/write up to the size it once reached; the bytes
            // past the memory's current size are still reset between decisions and the guest
            // cannot address them. Wasmtime requires Cranelift's heap and table Spectre
            // mitigations off in this mode: a plugin has no clock, threads or shared memory
            // to time a speculative load with, and fuel is deterministic.
            .signals_based_traps(false)
            .memory_guard_size(0)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // SAFETY: both are documented Cranelift settings; wasmtime refuses to build an engine
        // without signals-based traps unless they are off.
        unsafe {
            config.cranelift_flag_set("enable_heap_access_spectre_mitigation", "false");
            config.cranelift_flag_set("enable_table_access_spectre_mitigation", "false");
        }
        let engine = Engine::new(&config).map_err(|e| format!("wasmtime engine: {e}"))?;
        let mut linker = Linker::new(&engine);
        define_allowed_imports(&mut linker).map_err(|e| format!("wasmtime linker: {e}"))?;
        let gate = Gate::new(limits.max_concurrent as usize);
        Ok(Self { engine, linker, limits, gate })
    }

    /// Compile `wasm` and check it speaks ABI v1 with nothing but allowed imports.
    pub(crate) fn prepare(&self, wasm: &[u8]) -> Result<Prepared, (Cause, String)> {
        let module = Module::new(&self.engine, wasm)
            .map_err(|e| (Cause::InvalidModule, format!("not a valid wasm module: {e:#}")))?;
        self.check(&module)?;
        let export = |name: &str| {
            module.get_export_index(name).ok_or_else(|| (Cause::WrongAbi, format!("missing export `{name}`")))
        };
        let alloc = export(ALLOC_EXPORT)?;
        let decide = export(DECIDE_EXPORT)?;
        let memory = export("memory")?;
        let initialize = module.get_export_index("_initialize");
        let pre = self.linker.instantiate_pre(&module).map_err(|e| (Cause::ForbiddenImport, format!("{e:#}")))?;
        Ok(Prepared { pre, alloc, decide, memory, initialize })
    }

    fn check(&self, module: &Module) -> Result<(), (Cause, String)> {
        for import in module.imports() {
            let allowed = ALLOWED_IMPORTS.contains(&(import.module(), import.name()))
                && matches!(import.ty(), ExternType::Func(_));
            if !allowed {
                return Err((
                    Cause::ForbiddenImport,
                    format!(
                        "import `{}::{}` is not allowed (plugins may import only {})",
                        import.module(),
                        import.name(),
                        ALLOWED_IMPORTS.map(|(m, n)| format!("{m}::{n}")).join(", ")
                    ),
                ));
            }
        }
        let mut marker = None;
        for export in module.exports() {
            if export.name().starts_with(MARKER_PREFIX) {
                marker = Some(export.name().to_owned());
            }
        }
        match marker.as_deref() {
            Some(MARKER_EXPORT) => {}
            Some(other) => {
                return Err((
                    Cause::WrongAbi,
                    format!("module declares `{other}`, this host speaks `{MARKER_EXPORT}`"),
                ));
            }
            None => {
                return Err((
                    Cause::WrongAbi,
                    format!("missing marker export `{MARKER_EXPORT}`: not an ABI v1 plugin"),
                ));
            }
        }
        let func_sig = |name: &str, params: &[ValType], results: &[ValType]| {
            let Some(ExternType::Func(ty)) = module.get_export(name) else {
                return Err((Cause::WrongAbi, format!("missing function export `{name}`")));
            };
            let same = |a: &mut dyn ExactSizeIterator<Item = ValType>, b: &[ValType]| {
                a.len() == b.len() && a.zip(b).all(|(x, y)| ValType::eq(&x, y))
            };
            if same(&mut ty.params(), params) && same(&mut ty.results(), results) {
                Ok(())
            } else {
                Err((Cause::WrongAbi, format!("export `{name}` has the wrong signature {ty}")))
            }
        };
        func_sig(ALLOC_EXPORT, &[ValType::I32], &[ValType::I32])?;
        func_sig(DECIDE_EXPORT, &[ValType::I32, ValType::I32], &[ValType::I64])?;
        match module.get_export("memory") {
            Some(ExternType::Memory(mem)) => {
                let min_bytes = mem.minimum().saturating_mul(mem.page_size());
                if min_bytes > self.limits.max_memory_bytes as u64 {
                    return Err((
                        Cause::MemoryLimit,
                        format!(
                            "module needs {min_bytes} bytes of memory at start, limit is {}",
                            self.limits.max_memory_bytes
                        ),
                    ));
                }
            }
            _ => return Err((Cause::WrongAbi, "missing memory export `memory`".into())),
        }
        Ok(())
    }

    /// One invocation in a fresh store: instantiate, copy the request in, decide, copy out.
    pub(crate) fn run(&self, prepared: &Prepared, request: &[u8]) -> Result<RunOutcome, RunFailure> {
        let _permit = self.gate.enter();
        let limits = &self.limits;
        let mut store = Store::new(
            &self.engine,
            Invocation {
                limiter: Limiter {
                    max_memory: limits.max_memory_bytes,
                    max_table: limits.max_table_elements,
                    peak_memory: 0,
                    hit_limit: false,
                },
                captured: Vec::new(),
            },
        );
        store.limiter(|s| &mut s.limiter);
        let fail = |store: &Store<Invocation>, cause, detail: String| RunFailure {
            cause,
            detail,
            peak_memory: store.data().limiter.peak_memory,
        };
        store.set_fuel(limits.fuel).map_err(|e| fail(&store, Cause::Trap, e.to_string()))?;
        let result: wasmtime::Result<_> = (|| {
            let instance = prepared.pre.instantiate(&mut store)?;
            let func = |store: &mut Store<Invocation>, export| {
                instance
                    .get_module_export(&mut *store, export)
                    .and_then(|e| e.into_func())
                    .ok_or_else(|| wasmtime::Error::msg("export vanished"))
            };
            let memory = instance
                .get_module_export(&mut store, &prepared.memory)
                .and_then(|e| e.into_memory())
                .ok_or_else(|| wasmtime::Error::msg("memory export vanished"))?;
            let peak = memory.data_size(&store);
            store.data_mut().limiter.peak_memory = store.data().limiter.peak_memory.max(peak);
            if let Some(init) = &prepared.initialize {
                let init: TypedFunc<(), ()> = func(&mut store, init)?.typed(&store)?;
                init.call(&mut store, ())?;
            }
            let alloc: TypedFunc<i32, i32> = func(&mut store, &prepared.alloc)?.typed(&store)?;
            let decide: TypedFunc<(i32, i32), i64> = func(&mut store, &prepared.decide)?.typed(&store)?;
            let len = i32::try_from(request.len()).map_err(wasmtime::Error::msg)?;
            let ptr = alloc.call(&mut store, len)?;
            memory
                .write(&mut store, ptr as u32 as usize, request)
                .map_err(|_| wasmtime::Error::msg("tessera_alloc returned a block outside memory"))?;
            let packed = decide.call(&mut store, (ptr, len))? as u64;
            let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
            Ok((memory, out_ptr, out_len))
        })();
        let (memory, out_ptr, out_len) = match result {
            Ok(v) => v,
            Err(e) => {
                let state = store.data();
                let (cause, mut detail) = if e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
                    (Cause::FuelExhausted, format!("used its whole fuel budget of {}", limits.fuel))
                } else if state.limiter.hit_limit {
                    (Cause::MemoryLimit, format!("{e:#}"))
                } else {
                    (Cause::Trap, format!("{e:#}"))
                };
                if !state.captured.is_empty() {
                    detail.push_str("; plugin wrote: ");
                    detail.push_str(String::from_utf8_lossy(&state.captured).trim());
                }
                return Err(fail(&store, cause, detail));
            }
        };
        if out_len > limits.max_output_bytes {
            return Err(fail(
                &store,
                Cause::OutputTooLarge,
                format!("response of {out_len} bytes exceeds the cap of {} bytes", limits.max_output_bytes),
            ));
        }
        let response =
            memory.data(&store).get(out_ptr..out_ptr.saturating_add(out_len)).map(<[u8]>::to_vec).ok_or_else(|| {
                fail(&store, Cause::BadOutputJson, format!("response {out_ptr}+{out_len} lies outside guest memory"))
            })?;
        let fuel_left = store.get_fuel().unwrap_or(0);
        let peak_memory = store.data().limiter.peak_memory.max(memory.data_size(&store));
        Ok(RunOutcome { response, fuel_used: limits.fuel - fuel_left, peak_memory })
    }
}

fn define_allowed_imports(linker: &mut Linker<Invocation>) -> wasmtime::Result<()> {
    const WASI: &str = "wasi_snapshot_preview1";
    const ERRNO_SUCCESS: i32 = 0;
    const ERRNO_BADF: i32 = 8;
    const ERRNO_FAULT: i32 = 21;
    linker.func_wrap(WASI, "environ_sizes_get", |mut caller: Caller<'_, Invocation>, count: i32, size: i32| {
        // An empty environment: zero variables, zero bytes.
        Ok(if write_u32(&mut caller, count, 0) && write_u32(&mut caller, size, 0) {
            ERRNO_SUCCESS
        } else {
            ERRNO_FAULT
        })
    })?;
    linker.func_wrap(WASI, "environ_get", |_: Caller<'_, Invocation>, _: i32, _: i32| Ok(ERRNO_SUCCESS))?;
    linker.func_wrap(
        WASI,
        "fd_write",
        |mut caller: Caller<'_, Invocation>, fd: i32, iovs: i32, iovs_len: i32, nwritten: i32| {
            if fd != 1 && fd != 2 {
                return Ok(ERRNO_BADF);
            }
            let Some(memory) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
                return Ok(ERRNO_FAULT);
            };
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let mut total: u32 = 0;
            for i in 0..iovs_len.max(0) as usize {
                let at = iovs as u32 as usize + i * 8;
                let Some(iov) = data.get(at..at + 8) else {
                    return Ok(ERRNO_FAULT);
                };
                let buf = u32::from_le_bytes(iov[0..4].try_into().unwrap()) as usize;
                let len = u32::from_le_bytes(iov[4..8].try_into().unwrap()) as usize;
                let Some(bytes) = data.get(buf..buf.saturating_add(len)) else {
                    return Ok(ERRNO_FAULT);
                };
                let room = CAPTURED_OUTPUT_CAP.saturating_sub(state.captured.len());
                state.captured.extend_from_slice(&bytes[..len.min(room)]);
                // Report everything as written so the guest does not retry forever.
                total = total.saturating_add(len as u32);
            }
            Ok(if write_u32(&mut caller, nwritten, total) { ERRNO_SUCCESS } else { ERRNO_FAULT })
        },
    )?;
    linker.func_wrap(WASI, "proc_exit", |_: Caller<'_, Invocation>, code: i32| -> wasmtime::Result<()> {
        Err(wasmtime::Error::msg(format!("plugin called proc_exit({code})")))
    })?;
    Ok(())
}

fn write_u32(caller: &mut Caller<'_, Invocation>, at: i32, value: u32) -> bool {
    let Some(memory) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
        return false;
    };
    memory.write(caller, at as u32 as usize, &value.to_le_bytes()).is_ok()
}

/// A counting gate: at most `capacity` invocations hold a pool slot at once; the rest wait
/// instead of failing when many threads decide together.
struct Gate {
    state: Mutex<GateState>,
    freed: Condvar,
}

struct GateState {
    free: usize,
    /// Threads blocked in `enter`: leaving wakes one only if there is one to wake (a futex
    /// wake is a system call even when nobody waits).
    waiting: usize,
}

struct Permit<'a>(&'a Gate);

impl Gate {
    fn new(capacity: usize) -> Self {
        Self { state: Mutex::new(GateState { free: capacity, waiting: 0 }), freed: Condvar::new() }
    }

    fn enter(&self) -> Permit<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.free == 0 {
            state.waiting += 1;
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
            state.waiting -= 1;
        }
        state.free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.free += 1;
        let wake = state.waiting > 0;
        drop(state);
        if wake {
            self.0.freed.notify_one();
        }
    }
}
