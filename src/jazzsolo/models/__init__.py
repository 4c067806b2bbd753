"""Model families of jazzsolo: the classic grammar LSTM and the jazz note-event LSTM."""
