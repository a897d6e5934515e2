"""The discrete Fourier transform (ndgrad.np.fft)."""
