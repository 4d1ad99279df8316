;; Grows memory a page at a time until the host says no: must end with memory_limit.
(module
  (memory (export "memory") 1)
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (loop $grow
      (drop (memory.grow (i32.const 1)))
      (br $grow))
    (i64.const 0)))
