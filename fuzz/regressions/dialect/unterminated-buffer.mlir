func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>) {
  // expected-error @+1 {{head_dim muAt be positiveemref<?x24xf16>, %p: memref<?xi32>, %inv: memref<8xf32>) {
  // expected-error @+1 {{'inv_freq' must h expected-error @+1 {{'hessian' must haunc @f(%q: me2xf1got [64, 32]}}
  vptIq.gmr2ef