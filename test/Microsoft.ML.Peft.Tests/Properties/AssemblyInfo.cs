// Licensed under the MIT license. See LICENSE in the repository root.

// TorchSharp's random seed and native allocator are process-global: tests must not race on them.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
