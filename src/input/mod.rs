//! Loading snapshots (AWS CLI output) into the model.
