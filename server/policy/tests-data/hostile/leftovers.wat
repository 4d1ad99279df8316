;; Reports what it finds in memory, then scribbles over it: a later decision that saw the
;; scribbles would mean a pool slot was reused without being reset. The response is the 5 bytes
;; at 0 (the data segment, "image") and the 5 at 70000 (zero-initialised memory).
(module
  (memory (export "memory") 2)
  (data (i32.const 0) "image")
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 8192))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (memory.copy (i32.const 100) (i32.const 0) (i32.const 5))
    (memory.copy (i32.const 105) (i32.const 70000) (i32.const 5))
    (memory.fill (i32.const 0) (i32.const 0x41) (i32.const 5))
    (memory.fill (i32.const 70000) (i32.const 0x42) (i32.const 5))
    (i64.or (i64.shl (i64.const 100) (i64.const 32)) (i64.const 10))))
