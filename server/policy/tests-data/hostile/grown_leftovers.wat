;; Grows its memory, reports the 5 bytes it finds in the new page at 70000, then scribbles over
;; them. A pool slot keeps a page it once grew to read/write, so a later decision that saw the
;; scribbles would mean the grown page was not reset. Asked with "r", it reads 70000 without
;; growing: the page is outside its memory, so that must trap rather than read anything.
(module
  (memory (export "memory") 1)
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 8192))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (if (i32.ne (i32.load8_u (i32.const 8192)) (i32.const 0x72))
      (then (drop (memory.grow (i32.const 1)))))
    (memory.copy (i32.const 100) (i32.const 70000) (i32.const 5))
    (memory.fill (i32.const 70000) (i32.const 0x42) (i32.const 5))
    (i64.or (i64.shl (i64.const 100) (i64.const 32)) (i64.const 5))))
